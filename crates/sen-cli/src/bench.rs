//! `sen bench`: the speed of Sen measured against baselines in the same run.
//!
//! - durable intake (a dossier received at the counter: code, projection,
//!   events, public view, monitoring counters, notices), against raw
//!   single-row inserts into the same database; and the share of the
//!   monitoring hook in it;
//! - public status lookup over HTTP on loopback, against a bare server of
//!   the same HTTP stack returning a fixed body of the same size (and Sen's
//!   own stack without a database, `/healthz`, to show where time goes);
//! - the province dashboard (`App::monitoring_province`) against a full
//!   count of the dossiers table (and, with `--recount`, the raw recount
//!   of the counters from the dossiers and events).

use anyhow::Context;
use sen_app::dossiers::{Applicant, Intake};
use sen_app::{Actor, App};
use std::time::{Duration, Instant};

pub struct BenchOptions {
    pub dossiers: usize,
    pub concurrency: usize,
    pub seconds: u64,
    pub intake: bool,
    pub lookup: bool,
    pub dashboard: bool,
    /// Dossier codes drawn at random for the lookups.
    pub codes: i64,
    /// Also time the raw recount of the monitoring counters.
    pub recount: bool,
    /// The database's URL (for a second connection without the lookup
    /// cache).
    pub database_url: String,
}

/// Rounds in which Sen and its baseline take turns.
const ROUNDS: usize = 3;

/// The median of a few timings, in seconds.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

async fn staff(app: &App, username: &str) -> anyhow::Result<Actor> {
    let a = app.account_by_username(username).await?;
    Ok(Actor::Staff {
        id: a.id,
        tenant_id: a.tenant_id,
        username: a.username.clone(),
        grants: sen_store::accounts::grants(&app.db, a.id).await?,
    })
}

/// Runs `n` jobs with at most `c` at a time; returns the elapsed seconds.
async fn run_concurrently<F, Fut>(n: usize, c: usize, job: F) -> anyhow::Result<f64>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let start = Instant::now();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..c {
        let (job, next) = (job.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= n {
                    return Ok::<_, anyhow::Error>(());
                }
                job(i).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(start.elapsed().as_secs_f64())
}

pub async fn run(app: App, opts: BenchOptions) -> anyhow::Result<()> {
    app.load_demo().await?;
    let tenant = app.public_overview().await?.0.context("no province")?.id;
    let desk = staff(&app, "motcua").await?;
    let t = Instant::now();
    let total = sen_store::bench::count_all_dossiers(&app.db).await?;
    println!(
        "backend: {}; {} dossiers in the database (counted in {:.2} s); {} cores",
        app.db.backend().name(),
        total,
        t.elapsed().as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // As in a server that has been up a few seconds: the cache's listener
    // in place (PostgreSQL; on SQLite at once), so reference data and
    // lookups may be held.
    if app.db.lookup_cache().is_some() {
        let since = Instant::now();
        while app.db.lookup_cache().is_some_and(|c| !c.listening)
            && since.elapsed() < std::time::Duration::from_secs(15)
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let listening = app.db.lookup_cache().is_some_and(|c| c.listening);
        println!(
            "lookup cache: {} after {:.2} s",
            if listening {
                "listening"
            } else {
                "NOT listening (nothing held)"
            },
            since.elapsed().as_secs_f64()
        );
    }
    if opts.intake {
        intake(&app, &desk, tenant, &opts).await?;
    }
    if opts.lookup {
        lookup(&app, &opts).await?;
    }
    if opts.dashboard {
        dashboard(&app, tenant, &opts).await?;
    }
    Ok(())
}

async fn intake(
    app: &App,
    desk: &Actor,
    tenant: uuid::Uuid,
    opts: &BenchOptions,
) -> anyhow::Result<()> {
    println!();
    println!(
        "intake: {} dossiers, {} concurrent writers, in {ROUNDS} rounds taking turns with the raw inserts",
        opts.dossiers, opts.concurrency
    );
    let last = std::sync::Arc::new(std::sync::Mutex::new(None));
    sen_store::bench::prepare(&app.db).await?;
    let per_round = opts.dossiers.div_ceil(ROUNDS).max(1);
    let (mut intake_secs, mut raw_secs, mut ratios) = (0.0, 0.0, Vec::new());
    for round in 0..ROUNDS {
        let (a, d, l) = (app.clone(), desk.clone(), last.clone());
        let secs = run_concurrently(per_round, opts.concurrency, move |i| {
            let (app, desk, last) = (a.clone(), d.clone(), l.clone());
            let i = round * per_round + i;
            async move {
                let intake = Intake {
                    procedure_code: "1.001193".into(),
                    applicant: Applicant {
                        name: format!("Người nộp thử {i}"),
                        phone: Some(format!("09{:08}", i % 100_000_000)),
                        email: None,
                        id_number: None,
                        address: None,
                    },
                    receiving_unit_id: None,
                };
                let d = app.receive_at_counter(&desk, tenant, intake).await?;
                if let Ok(mut l) = last.lock() {
                    *l = Some(d.row);
                }
                Ok(())
            }
        })
        .await?;
        let db = app.db.clone();
        let raw = run_concurrently(per_round, opts.concurrency, move |_| {
            let db = db.clone();
            async move {
                sen_store::bench::insert_one(&db, 2048).await?;
                Ok(())
            }
        })
        .await?;
        ratios.push(raw / secs);
        intake_secs += secs;
        raw_secs += raw;
    }
    sen_store::bench::cleanup(&app.db).await?;
    let total = (per_round * ROUNDS) as f64;
    let intake_rate = total / intake_secs;
    let raw_rate = total / raw_secs;
    println!("intake (durable, counter)     {intake_rate:>10.1} dossiers/s");
    println!("raw inserts (baseline)        {raw_rate:>10.1} rows/s");
    let rounds: Vec<String> = ratios.iter().map(|r| format!("{:.1}", 100.0 * r)).collect();
    println!(
        "ratio intake / raw            {:>10.1} %   (rounds: {} %; median {:.1} %)",
        100.0 * intake_rate / raw_rate,
        rounds.join(", "),
        100.0 * median(ratios)
    );
    let row = last.lock().ok().and_then(|l| l.clone());
    if let Some(row) = row {
        // As a group of as many intakes as there are writers applies it:
        // one statement for the group's counters.
        let per_group = opts.concurrency.clamp(1, sen_store::group::MAX_GROUP);
        let hook = sen_store::bench::monitoring_hook_secs(&app.db, &row, 200, per_group).await?;
        println!(
            "monitoring hook (766)         {:>10.1} µs per change ({per_group} per statement, as in a group) = {:.1} % of an intake's time",
            hook * 1e6,
            100.0 * hook * intake_rate
        );
    }
    Ok(())
}

async fn lookup(app: &App, opts: &BenchOptions) -> anyhow::Result<()> {
    println!();
    let missing = sen_store::bench::count_missing_views(
        &app.db,
        &sen_app::public::PublicView::current_prefix(),
    )
    .await?;
    if missing > 0 {
        let t = Instant::now();
        let n = app.fill_public_views(2000).await?;
        println!(
            "public views: stored {n} of {missing} missing or of another version in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let codes = sen_store::bench::sample_codes(&app.db, opts.codes).await?;
    anyhow::ensure!(!codes.is_empty(), "no dossiers to look up");
    // The bare server returns a body of the median size of the answers.
    let mut sizes = Vec::new();
    for c in codes.iter().take(101) {
        let body = serde_json::to_vec(&app.public_lookup(c, None).await?)?;
        sizes.push(body);
    }
    // The parts of one lookup, in process, one at a time (no HTTP).
    // The first pass brings the rows' pages in; the second is timed.
    let n = codes.len().min(20_000);
    let mut read_us = 0.0;
    for _ in 0..2 {
        let t = Instant::now();
        for c in codes.iter().take(n) {
            sen_store::dossiers::public_by_code(&app.db, c).await?;
        }
        read_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    }
    let t = Instant::now();
    for c in codes.iter().take(n) {
        let answer = app.public_answer(c, None).await?;
        std::hint::black_box(answer.into_json()?);
    }
    let whole_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let paths: Vec<String> = codes
        .iter()
        .map(|c| format!("/api/v1/public/dossiers/{c}"))
        .collect();
    let state = sen_web::WebState::new(app.clone(), false);
    let router_us = sen_web::bench::through_router(state.clone(), &paths[..n])
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let health: Vec<String> = vec!["/healthz".into(); n];
    let health_us = sen_web::bench::through_router(state.clone(), &health)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    sizes.sort_by_key(|b| b.len());
    let body = sizes[sizes.len() / 2].clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sen_addr = listener.local_addr()?;
    tokio::spawn(sen_web::serve(listener, state, std::future::pending()));
    // Where there is a lookup cache (PostgreSQL, a SQLite file), Sen again
    // over a connection without it: every lookup reads the database.
    let uncached = match app.db.lookup_cache() {
        Some(_) => {
            let db = sen_store::Db::connect_options(
                &opts.database_url,
                sen_store::DbOptions {
                    lookup_cache_mb: Some(0),
                    ..Default::default()
                },
            )
            .await?;
            let plain = App::new(db, app.settings.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            tokio::spawn(sen_web::serve(
                listener,
                sen_web::WebState::new(plain, false),
                std::future::pending(),
            ));
            Some(addr)
        }
        None => None,
    };
    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_addr = bare.local_addr()?;
    tokio::spawn(sen_web::bench::bare_server(bare, body.clone()));
    // The same, plus the lookup's one indexed read of the dossier row.
    let with_read = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let with_read_addr = with_read.local_addr()?;
    let db = app.db.clone();
    tokio::spawn(sen_web::bench::bare_server_with(
        with_read,
        body.clone(),
        move |path: String| {
            let db = db.clone();
            async move {
                let code = path.rsplit('/').next().unwrap_or_default().to_string();
                if let Err(e) = sen_store::dossiers::public_by_code(&db, &code).await {
                    tracing::warn!(error = %e, "bench read");
                }
            }
        },
    ));
    let duration = Duration::from_secs(opts.seconds);
    let conns = 16;
    // The four servers take turns, round after round, so that a change in
    // what else the machine is doing falls on all of them; each figure is
    // the median over the rounds, and the ratio the median of the rounds'
    // ratios.
    let rounds = 3;
    let (mut base, mut read, mut stack, mut real) = (vec![], vec![], vec![], vec![]);
    let mut plain = vec![];
    let mut batched = (0, 0);
    let mut cached = (0, 0);
    for _ in 0..rounds {
        base.push(sen_web::bench::load(bare_addr, paths.clone(), conns, duration).await?);
        read.push(sen_web::bench::load(with_read_addr, paths.clone(), conns, duration).await?);
        stack.push(sen_web::bench::load(sen_addr, vec!["/healthz".into()], conns, duration).await?);
        if let Some(addr) = uncached {
            plain.push(sen_web::bench::load(addr, paths.clone(), conns, duration).await?);
        }
        let before = sen_store::bench::pg_read_batches(&app.db);
        let hits_before = app.db.lookup_cache();
        real.push(sen_web::bench::load(sen_addr, paths.clone(), conns, duration).await?);
        if let (Some(b0), Some(b1)) = (before, sen_store::bench::pg_read_batches(&app.db)) {
            batched = (batched.0 + b1.0 - b0.0, batched.1 + b1.1 - b0.1);
        }
        if let (Some(c0), Some(c1)) = (hits_before, app.db.lookup_cache()) {
            cached = (
                cached.0 + c1.hits - c0.hits,
                cached.1 + c1.misses - c0.misses,
            );
        }
    }
    let median_ratio = |of: &[sen_web::bench::LoadReport], to: &[sen_web::bench::LoadReport]| {
        median(of.iter().zip(to).map(|(r, b)| r.rps() / b.rps()).collect())
    };
    let (ratio, ratio_read) = (median_ratio(&real, &base), median_ratio(&real, &read));
    let ratio_plain = (!plain.is_empty()).then(|| median_ratio(&plain, &base));
    let mid = |v: Vec<sen_web::bench::LoadReport>| {
        let mut v = v;
        v.sort_by(|a, b| a.rps().total_cmp(&b.rps()));
        v.swap_remove(v.len() / 2)
    };
    let plain = (!plain.is_empty()).then(|| mid(plain));
    let (base, read, stack, real) = (mid(base), mid(read), mid(stack), mid(real));
    println!(
        "lookup: {} codes drawn at random, {conns} keep-alive connections, {rounds} rounds of {} s per server",
        codes.len(),
        opts.seconds
    );
    println!("response body (median)        {:>10} bytes", body.len());
    println!(
        "in process: the lookup's read {read_us:>10.1} µs; read + answer + JSON {whole_us:.1} µs"
    );
    println!(
        "in process, Sen's router      {router_us:>10.1} µs per lookup; {health_us:.1} µs per /healthz"
    );
    let line = |name: &str, r: &sen_web::bench::LoadReport| {
        println!(
            "{name:<30}{:>10.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
            r.rps(),
            r.p50_ms,
            r.p99_ms,
            r.errors
        )
    };
    line("bare HTTP (baseline)", &base);
    line("bare HTTP + the lookup's read", &read);
    line("Sen stack, no database", &stack);
    if let Some(plain) = &plain {
        line("public lookup, no cache", plain);
    }
    line("public lookup", &real);
    if batched.0 > 0 {
        println!(
            "public lookup's reads         {:>10.1} per statement on average",
            batched.1 as f64 / batched.0 as f64
        );
    }
    if cached.0 + cached.1 > 0 {
        println!(
            "public lookup from memory     {:>10.1} %   ({} of {} answers; cache {} MB)",
            100.0 * cached.0 as f64 / (cached.0 + cached.1) as f64,
            cached.0,
            cached.0 + cached.1,
            app.db.lookup_cache().map_or(0, |c| c.megabytes),
        );
    }
    if let Some(r) = ratio_plain {
        println!("ratio lookup, no cache / bare {:>10.1} %", 100.0 * r);
    }
    println!(
        "ratio lookup / bare           {:>10.1} %   (lookup / bare + read {:.1} %)",
        100.0 * ratio,
        100.0 * ratio_read
    );
    Ok(())
}

async fn dashboard(app: &App, tenant: uuid::Uuid, opts: &BenchOptions) -> anyhow::Result<()> {
    use chrono::Datelike;
    println!();
    let (daily, monthly, open) = sen_store::bench::monitoring_sizes(&app.db).await?;
    println!(
        "dashboard: counters {daily} daily rows, {monthly} monthly rows; {open} open dossiers"
    );
    let today = app.now_local().date();
    let month_start = today.with_day(1).unwrap_or(today);
    let years_ago =
        chrono::NaiveDate::from_ymd_opt(today.year() - 3, today.month(), 1).unwrap_or(today);
    for (name, from) in [("this month", month_start), ("last 3 years", years_ago)] {
        let period = sen_app::monitoring::Period::new(from, today)?;
        let mut times = Vec::new();
        let mut received = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let r = app
                .monitoring_province(&Actor::Operator, tenant, period)
                .await?;
            times.push(t.elapsed().as_secs_f64());
            received = r.figures.received;
        }
        println!(
            "province dashboard, {name:<13}{:>10.1} ms  ({received} received in the period)",
            median(times) * 1000.0
        );
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        sen_store::bench::count_all_dossiers(&app.db).await?;
        times.push(t.elapsed().as_secs_f64());
    }
    println!(
        "COUNT(*) over dossiers (base) {:>10.1} ms",
        median(times) * 1000.0
    );
    if opts.recount {
        let t = Instant::now();
        let rows = sen_store::monitoring::recount(&app.db).await?;
        println!(
            "raw recount of the counters   {:>10.1} ms  ({} daily rows)",
            t.elapsed().as_secs_f64() * 1000.0,
            rows.len()
        );
    }
    Ok(())
}
