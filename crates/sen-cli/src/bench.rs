//! `sen bench`: the speed of Sen measured against baselines in the same run.
//!
//! - public status lookup over HTTP on loopback, against a bare server of
//!   the same HTTP stack returning a fixed body of the same size;
//! - durable intake (a dossier received at the counter: code, projection,
//!   event, notices), against raw single-row inserts into the same database.

use anyhow::Context;
use sen_app::dossiers::{Applicant, Intake};
use sen_app::{Actor, App};
use std::time::{Duration, Instant};

pub struct BenchOptions {
    pub dossiers: usize,
    pub concurrency: usize,
    pub seconds: u64,
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
    println!(
        "backend: {}; {} dossiers, {} concurrent writers, {} s per HTTP run",
        app.db.backend().name(),
        opts.dossiers,
        opts.concurrency,
        opts.seconds
    );

    // 1. Intake against raw inserts.
    let a = app.clone();
    let d = desk.clone();
    let intake_secs = run_concurrently(opts.dossiers, opts.concurrency, move |i| {
        let (app, desk) = (a.clone(), d.clone());
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
            app.receive_at_counter(&desk, tenant, intake).await?;
            Ok(())
        }
    })
    .await?;
    sen_store::bench::prepare(&app.db).await?;
    let db = app.db.clone();
    let raw_secs = run_concurrently(opts.dossiers, opts.concurrency, move |_| {
        let db = db.clone();
        async move {
            sen_store::bench::insert_one(&db, 2048).await?;
            Ok(())
        }
    })
    .await?;
    sen_store::bench::cleanup(&app.db).await?;
    let intake_rate = opts.dossiers as f64 / intake_secs;
    let raw_rate = opts.dossiers as f64 / raw_secs;
    println!();
    println!("intake (durable, counter)     {intake_rate:>10.1} dossiers/s");
    println!("raw inserts (baseline)        {raw_rate:>10.1} rows/s");
    println!(
        "ratio intake / raw            {:>10.1} %",
        100.0 * intake_rate / raw_rate
    );

    // 2. Public lookup against a bare HTTP server.
    let codes: Vec<String> = app
        .dossiers(&desk, tenant, vec!["received".into()])
        .await?
        .into_iter()
        .map(|d| d.row.code)
        .collect();
    anyhow::ensure!(!codes.is_empty(), "no dossiers to look up");
    let sample = app.public_lookup(&codes[0], None).await?;
    let body = serde_json::to_vec(&sample)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sen_addr = listener.local_addr()?;
    let state = sen_web::WebState::new(app.clone(), false);
    tokio::spawn(sen_web::serve(listener, state, std::future::pending()));
    let bare = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_addr = bare.local_addr()?;
    tokio::spawn(sen_web::bench::bare_server(bare, body.clone()));
    let paths: Vec<String> = codes
        .iter()
        .map(|c| format!("/api/v1/public/dossiers/{c}"))
        .collect();
    let duration = Duration::from_secs(opts.seconds);
    let conns = 16;
    let base = sen_web::bench::load(bare_addr, paths.clone(), conns, duration).await?;
    let real = sen_web::bench::load(sen_addr, paths, conns, duration).await?;
    println!();
    println!("response body                 {:>10} bytes", body.len());
    println!(
        "bare HTTP (baseline)          {:>10.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms",
        base.rps(),
        base.p50_ms,
        base.p99_ms
    );
    println!("public lookup                 {:>10.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}", real.rps(), real.p50_ms, real.p99_ms, real.errors);
    println!(
        "ratio lookup / bare           {:>10.1} %",
        100.0 * real.rps() / base.rps()
    );
    Ok(())
}
