//! `sen`: one binary for every task of running Sen.

mod bench;
mod config;
mod exchange;
mod sign;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use config::Config;
use sen_app::{Actor, App};
use sen_store::Db;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "sen",
    version,
    about = "Sen – nền tảng chính quyền điện tử cấp tỉnh / provincial e-government platform"
)]
struct Cli {
    /// Data directory (database, backups, configuration sen.toml).
    #[arg(long, env = "SEN_DATA", default_value = "./data", global = true)]
    data: PathBuf,
    /// Configuration file (TOML); default DATA/sen.toml when present.
    #[arg(long, env = "SEN_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "SEN_LISTEN")]
        listen: Option<String>,
        /// Load the demo province first if it is not there.
        #[arg(long)]
        demo: bool,
        /// The demo province's code (its units' codes follow), e.g. H98 for
        /// a second platform to exchange documents with.
        #[arg(long, default_value = "H99", requires = "demo")]
        demo_code: String,
        /// The demo province's name.
        #[arg(long, default_value = "Sen Hồng", requires = "demo")]
        demo_name: String,
    },
    /// Apply database migrations.
    Migrate,
    /// Load the demo province (units and one account per role).
    Demo {
        /// Grow it into a synthetic two-tier province with this many
        /// dossiers (and their events) spread over several years.
        #[arg(long)]
        scale: Option<u64>,
        /// Years of history for --scale.
        #[arg(long, default_value_t = 3)]
        years: u32,
        /// Seed of the generator, for a reproducible data set.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Dossiers per transaction.
        #[arg(long, default_value_t = 2000)]
        batch: usize,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write a consistent backup with a checksum manifest.
    Backup {
        /// New directory for the backup (default DATA/backups/sen-TIMESTAMP).
        dest: Option<PathBuf>,
    },
    /// Restore a backup into an empty data directory / database, then verify it.
    Restore { src: PathBuf },
    /// The event log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The procedure catalogue.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// Run the deadline watch once (serve runs it every minute).
    Deadlines,
    /// Measure intake and public lookup against baselines in the same run
    /// (use a scratch data directory or database: it adds dossiers).
    Bench {
        /// Dossiers to receive (and then to look up).
        #[arg(long, default_value_t = 2000)]
        dossiers: usize,
        /// Concurrent writers.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Seconds per HTTP load run.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// What to measure: any of intake, lookup, dashboard.
        #[arg(long, value_delimiter = ',', default_value = "intake,lookup,dashboard")]
        parts: Vec<String>,
        /// Dossier codes drawn at random for the lookups.
        #[arg(long, default_value_t = 20000)]
        codes: i64,
        /// Also time the raw recount of the monitoring counters (slow on
        /// large databases).
        #[arg(long)]
        recount: bool,
    },
    /// The legal calendar: holidays, working days, lunar dates.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Digital signatures on PDF documents.
    Sign {
        #[command(subcommand)]
        command: sign::SignCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input
    /// (--password-stdin) or generated and shown once.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        #[arg(long)]
        email: Option<String>,
        /// Role: one_stop_officer, specialist, unit_leader, clerk, provincial_admin, auditor.
        #[arg(long)]
        role: Option<String>,
        /// Identifier code of the unit the role is held on (e.g. H99.02).
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (ends the account's sessions and lifts a lockout).
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Grant a role on a unit.
    Grant {
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: String,
    },
    /// List accounts and their roles.
    List,
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Import procedures from a JSON file (an array of procedures); changed
    /// ones become new versions.
    Import { file: PathBuf },
    /// Export the current catalogue as JSON (or CSV with --csv) to standard output.
    Export {
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit 1 and name the first tampered event if any.
    Verify,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Statutory holidays of a year as JSON.
    Holidays { year: i32 },
    /// Due date-time N working days after DATETIME (Vietnam time, e.g. 2026-02-13T09:00).
    AddWorkingDays { datetime: String, n: u32 },
    /// The lunar date of a solar DATE (YYYY-MM-DD).
    Lunar { date: String },
}

fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SEN_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

async fn open(cfg: &Config) -> anyhow::Result<App> {
    if cfg.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&cfg.data)
            .with_context(|| format!("cannot create data directory {}", cfg.data.display()))?;
    }
    let options = sen_store::DbOptions {
        max_connections: cfg.database_connections,
        lookup_cache_mb: cfg.lookup_cache_mb,
    };
    let db = Db::connect_options(&cfg.database_url, options)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                sen_store::redact_url(&cfg.database_url)
            )
        })?;
    let applied = db.migrate().await.context("migration failed")?;
    for m in applied {
        tracing::info!(migration = %m, "applied");
    }
    Ok(App::new(db, cfg.settings.clone()))
}

fn read_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        use rand::Rng;
        const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut rng = rand::thread_rng();
        let p: String = (0..16)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        Ok((p, true))
    }
}

async fn tenant(app: &App) -> anyhow::Result<sen_app::model::Tenant> {
    match app.public_overview().await?.0 {
        Some(t) => Ok(t),
        None => bail!("no province is set up yet: run `sen demo` first"),
    }
}

async fn unit_by_code(app: &App, code: &str) -> anyhow::Result<sen_app::model::Unit> {
    let t = tenant(app).await?;
    app.units(&Actor::Operator, t.id, None)
        .await?
        .into_iter()
        .find(|u| u.code == code)
        .with_context(|| format!("no unit with code {code}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn print_demo(outcome: &sen_app::demo::DemoOutcome) {
    match outcome {
        sen_app::demo::DemoOutcome::Loaded {
            units,
            accounts,
            procedures,
            ..
        } => {
            println!(
                "Đã nạp tỉnh mẫu: {units} đơn vị, {accounts} tài khoản, {procedures} thủ tục / demo province loaded."
            );
        }
        sen_app::demo::DemoOutcome::AlreadyThere { .. } => {
            println!("Tỉnh mẫu đã có sẵn / the demo province is already loaded.");
        }
    }
    println!(
        "Tài khoản mẫu (mật khẩu «{}») / demo accounts:",
        sen_app::demo::DEMO_PASSWORD
    );
    for (u, name, role, unit) in sen_app::demo::DEMO_ACCOUNTS {
        println!("  {u:<13} {name:<22} {role:<17} {unit}");
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let listen_flag = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let cfg = Config::load(&cli.data, listen_flag.as_deref(), cli.config.as_deref())?;
    init_tracing(&cfg.log_format);
    tracing::debug!(config = %cfg.describe(), "configuration");
    match cli.command {
        Command::Serve {
            demo,
            demo_code,
            demo_name,
            ..
        } => {
            let mut cfg = cfg;
            // The demo shows citizens' one-time codes on screen too, unless
            // real SMS/e-mail peers are configured.
            cfg.settings.demo_echo_codes = demo && cfg.sms.is_none() && cfg.email.is_none();
            // The organisation's seal, TSA and trust anchors ([signing]).
            if let Some(signing) = &cfg.signing {
                cfg.settings.signing = signing.load()?;
            }
            if let Some(ex) = &cfg.exchange {
                cfg.settings.exchange = Some(exchange::keys(ex)?);
            }
            let app = open(&cfg).await?;
            if demo {
                print_demo(&app.load_demo_as(&demo_code, &demo_name).await?);
            }
            let listener = tokio::net::TcpListener::bind(cfg.listen)
                .await
                .with_context(|| format!("cannot listen on {}", cfg.listen))?;
            tracing::info!(config = %cfg.describe(), "Sen is serving on http://{}", listener.local_addr()?);
            println!(
                "Sen đang chạy tại / Sen is serving on http://{}",
                listener.local_addr()?
            );
            // Delivery of the outbox (SMS, e-mail) when the peers are configured.
            let mut kinds = Vec::new();
            if cfg.sms.is_some() {
                kinds.push(sen_notify::ChannelKind::Sms);
            }
            if cfg.email.is_some() {
                kinds.push(sen_notify::ChannelKind::Email);
            }
            if cfg.exchange.is_some() {
                kinds.push(sen_notify::ChannelKind::Exchange);
            }
            let mut dispatcher = sen_notify::Dispatcher::new(std::sync::Arc::new(
                sen_app::notify::OutboxQueue::for_channels(app.clone(), &kinds),
            ));
            let mut channels = 0;
            if let Some(sms) = &cfg.sms {
                let mut c = sen_notify::smpp::SmppConfig::new(
                    sms.host.clone(),
                    sms.port,
                    sms.system_id.clone(),
                    sms.password.clone(),
                );
                if let Some(src) = &sms.source_addr {
                    c.source_addr = src.clone();
                }
                // Inbound: citizens text "TRACUU <code>" to the short code.
                let responder = app.clone();
                let inbound =
                    sen_notify::Inbound::new(c.clone(), move |_from: String, text: String| {
                        let app = responder.clone();
                        async move { Some(app.sms_reply(&text).await) }
                    })?;
                tokio::spawn(inbound.run(std::future::pending::<()>()));
                dispatcher = dispatcher.with_channel(
                    sen_notify::ChannelKind::Sms,
                    std::sync::Arc::new(sen_notify::smpp::SmppChannel::new(c)?),
                );
                channels += 1;
            } else {
                tracing::warn!("no [sms] configured: SMS notices wait in the outbox");
            }
            if let Some(email) = &cfg.email {
                let c = sen_notify::smtp::SmtpConfig::new(
                    email.host.clone(),
                    email.port,
                    email.from.clone(),
                );
                dispatcher = dispatcher.with_channel(
                    sen_notify::ChannelKind::Email,
                    std::sync::Arc::new(sen_notify::smtp::SmtpChannel::new(c)?),
                );
                channels += 1;
            } else {
                tracing::warn!("no [email] configured: e-mail notices wait in the outbox");
            }
            if let Some(ex) = &cfg.exchange {
                let channel = exchange::start(&app, ex).await?;
                dispatcher = dispatcher.with_channel(sen_notify::ChannelKind::Exchange, channel);
                channels += 1;
            }
            if channels > 0 {
                tokio::spawn(async move {
                    dispatcher
                        .run(
                            std::time::Duration::from_secs(5),
                            std::future::pending::<()>(),
                        )
                        .await
                });
            }
            // Public views missing or of another fold version (a bulk load,
            // an upgrade) are stored in the background; until then the
            // lookup folds those dossiers' events.
            let filler = app.clone();
            tokio::spawn(async move {
                match filler.fill_public_views(500).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(views = n, "public views stored"),
                    Err(e) => tracing::error!(error = %e, "storing the public views failed"),
                }
            });
            // The deadline watch, every minute.
            let watcher = app.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    match watcher.scan_deadlines().await {
                        Ok(r) if !r.overdue.is_empty() || !r.due_today.is_empty() => {
                            tracing::info!(overdue = ?r.overdue, due_today = ?r.due_today, "deadline watch")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "deadline watch failed"),
                    }
                    // Issued documents whose sealing or sending failed.
                    match watcher.dispatch_pending().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(documents = n, "dispatched issued documents"),
                        Err(e) => {
                            tracing::error!(error = %e, "dispatch of issued documents failed")
                        }
                    }
                }
            });
            let state = sen_web::WebState::new(app, cfg.cookie_secure);
            sen_web::serve(listener, state, shutdown_signal()).await?;
        }
        Command::Migrate => {
            let app = open(&cfg).await?;
            println!("schema version {}", app.db.schema_version().await?);
        }
        Command::Demo {
            scale,
            years,
            seed,
            batch,
        } => {
            let app = open(&cfg).await?;
            print_demo(&app.load_demo().await?);
            if let Some(n) = scale {
                let opts = sen_app::scale::ScaleOptions {
                    dossiers: n,
                    years: years.clamp(1, 20),
                    seed,
                    batch: batch.clamp(100, 50_000),
                };
                let started = std::time::Instant::now();
                let mut last_print = 0u64;
                let out = app
                    .load_scale(&opts, |d, e| {
                        if d >= last_print + 50_000 || d == n {
                            last_print = d;
                            eprintln!(
                                "  {d} hồ sơ, {e} sự kiện / dossiers, events ({:.1} s)",
                                started.elapsed().as_secs_f64()
                            );
                        }
                    })
                    .await?;
                println!(
                    "Tỉnh quy mô lớn: {} đơn vị, {} thủ tục, {} hồ sơ, {} sự kiện trong {:.1} s / scale province loaded.",
                    out.units,
                    out.procedures,
                    out.dossiers,
                    out.events,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Command::User { command } => {
            let app = open(&cfg).await?;
            user(&app, command).await?;
        }
        Command::Backup { dest } => {
            let app = open(&cfg).await?;
            let dest = dest.unwrap_or_else(|| {
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
                cfg.data.join("backups").join(format!("sen-{stamp}"))
            });
            let m = app.backup(&cfg.database_url, &dest).await?;
            println!("{}", serde_json::to_string_pretty(&m)?);
            println!("backup written to {}", dest.display());
        }
        Command::Restore { src } => {
            let report = sen_app::ops::restore(&src, &cfg.database_url).await?;
            println!(
                "restored {} ({} events, chain verified) into {}",
                src.display(),
                report.events,
                sen_store::redact_url(&cfg.database_url)
            );
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let app = open(&cfg).await?;
            let v = app.verify_log(&Actor::Operator).await?;
            match (&v.tamper, v.head_matches) {
                (None, true) => {
                    println!("OK: {} events, chain head {}", v.checked, v.head);
                    // The exchange log: every message against its event.
                    let x = app.verify_exchange_log().await?;
                    if !x.problems.is_empty() {
                        for p in &x.problems {
                            println!("EXCHANGE LOG: {p}");
                        }
                        return Ok(ExitCode::from(1));
                    }
                    println!(
                        "OK: {} exchange messages match the chain and their signatures",
                        x.checked
                    );
                }
                (Some(t), _) => {
                    println!("TAMPERED: {t}");
                    println!("{} events before it verified", v.checked);
                    return Ok(ExitCode::from(1));
                }
                (None, false) => {
                    println!("TAMPERED: the chain head does not match the last event (events removed at the end?)");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        Command::Catalogue { command } => {
            let app = open(&cfg).await?;
            let t = tenant(&app).await?;
            match command {
                CatalogueCommand::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let specs: Vec<sen_app::catalogue::ProcedureSpec> = serde_json::from_str(&text)
                        .with_context(|| {
                            format!(
                                "{} is not a catalogue (JSON array of procedures)",
                                file.display()
                            )
                        })?;
                    let r = app.import_catalogue(&Actor::Operator, t.id, specs).await?;
                    println!(
                        "published: {}; unchanged: {}",
                        r.published.join(", "),
                        r.unchanged
                    );
                }
                CatalogueCommand::Export { csv: true } => {
                    print!("{}", app.catalogue_csv(t.id).await?)
                }
                CatalogueCommand::Export { csv: false } => {
                    let specs: Vec<_> = app
                        .procedures(t.id, None)
                        .await?
                        .into_iter()
                        .map(|p| p.spec)
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&specs)?);
                }
            }
        }
        Command::Bench {
            dossiers,
            concurrency,
            seconds,
            parts,
            codes,
            recount,
        } => {
            let app = open(&cfg).await?;
            let has = |p: &str| parts.iter().any(|x| x.trim() == p);
            if let Some(p) = parts
                .iter()
                .find(|p| !["intake", "lookup", "dashboard"].contains(&p.trim()))
            {
                anyhow::bail!("unknown part «{p}» (intake, lookup, dashboard)");
            }
            bench::run(
                app,
                bench::BenchOptions {
                    dossiers: dossiers.max(1),
                    concurrency: concurrency.clamp(1, 64),
                    seconds: seconds.clamp(1, 60),
                    intake: has("intake"),
                    lookup: has("lookup"),
                    dashboard: has("dashboard"),
                    codes: codes.clamp(1, 1_000_000),
                    recount,
                    database_url: cfg.database_url.clone(),
                },
            )
            .await?;
        }
        Command::Deadlines => {
            let app = open(&cfg).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&app.scan_deadlines().await?)?
            );
        }
        Command::Calendar { command } => {
            // The province's decisions when there is a database; the
            // statutory rules alone otherwise.
            let has_db =
                sen_store::backup::sqlite_path(&cfg.database_url).is_none_or(|p| p.exists());
            let cal = if has_db {
                let app = open(&cfg).await?;
                match app.public_overview().await?.0 {
                    Some(t) => app.calendar(t.id).await?,
                    None => sen_calendar::Calendar::default(),
                }
            } else {
                sen_calendar::Calendar::default()
            };
            calendar(&cal, command)?
        }
        Command::Sign { command } => return sign::run(&cfg, command),
    }
    Ok(ExitCode::SUCCESS)
}

async fn user(app: &App, command: UserCommand) -> anyhow::Result<()> {
    let op = Actor::Operator;
    match command {
        UserCommand::Create {
            username,
            full_name,
            email,
            role,
            unit,
            password_stdin,
        } => {
            let t = tenant(app).await?;
            let mut roles = Vec::new();
            match (role, unit) {
                (Some(role), Some(code)) => {
                    let u = unit_by_code(app, &code).await?;
                    roles.push(sen_app::accounts::NewGrant {
                        role,
                        unit_id: u.id,
                    });
                }
                (None, None) => {}
                _ => bail!("--role and --unit go together"),
            }
            let (password, generated) = read_password(password_stdin)?;
            let a = app
                .create_account(
                    &op,
                    t.id,
                    sen_app::accounts::NewAccount {
                        username,
                        full_name,
                        email,
                        password: password.clone(),
                        roles,
                    },
                )
                .await?;
            println!("created account {} ({})", a.username, a.id);
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let a = app.account_by_username(&username).await?;
            let (password, generated) = read_password(password_stdin)?;
            app.reset_password(&op, a.id, &password).await?;
            println!("password of {} reset; their sessions are ended", a.username);
            if generated {
                println!("new password (shown once): {password}");
            }
        }
        UserCommand::Grant {
            username,
            role,
            unit,
        } => {
            let a = app.account_by_username(&username).await?;
            let u = unit_by_code(app, &unit).await?;
            let changed = app
                .grant_role(
                    &op,
                    a.id,
                    sen_app::accounts::NewGrant {
                        role: role.clone(),
                        unit_id: u.id,
                    },
                )
                .await?;
            println!(
                "{} {role} on {} ({})",
                if changed { "granted" } else { "already had" },
                u.code,
                u.name
            );
        }
        UserCommand::List => {
            let t = tenant(app).await?;
            for (a, grants) in app.accounts(&op, t.id).await? {
                let roles: Vec<String> = grants
                    .iter()
                    .map(|g| format!("{}@{}", g.role.as_str(), g.unit_id))
                    .collect();
                println!(
                    "{:<16} {:<28} {:<8} {}",
                    a.username,
                    a.full_name,
                    a.status,
                    roles.join(", ")
                );
            }
        }
    }
    Ok(())
}

fn calendar(cal: &sen_calendar::Calendar, command: CalendarCommand) -> anyhow::Result<()> {
    match command {
        CalendarCommand::Holidays { year } => {
            if !(1900..=2100).contains(&year) {
                bail!("year {year} is outside 1900–2100");
            }
            println!("{}", serde_json::to_string_pretty(&cal.holidays(year))?);
        }
        CalendarCommand::AddWorkingDays { datetime, n } => {
            let start = parse_datetime(&datetime)?;
            let due = cal.add_working_days(start, n, &sen_calendar::OfficeHours::default())?;
            println!("{}", due.format("%Y-%m-%dT%H:%M"));
        }
        CalendarCommand::Lunar { date } => {
            let d = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .with_context(|| format!("«{date}» is not a date like 2026-02-17"))?;
            println!("{}", sen_calendar::solar_to_lunar(d));
        }
    }
    Ok(())
}

fn parse_datetime(s: &str) -> anyhow::Result<chrono::NaiveDateTime> {
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(t);
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(7, 30, 0).unwrap_or_default());
    }
    bail!("«{s}» is not a date-time like 2026-02-13T09:00")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lỗi / error: {e:#}");
            ExitCode::from(2)
        }
    }
}
