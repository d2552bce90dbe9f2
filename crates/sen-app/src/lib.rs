//! Application services of Sen: every use case as a function that takes the
//! acting party, checks its permission on the unit it touches, validates the
//! input, and performs the change and its event in one transaction.

pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod calendar;
pub mod catalogue;
pub mod citizens;
pub mod demo;
pub mod dossiers;
pub mod exchange;
pub mod forms;
pub mod jobs;
pub mod monitoring;
pub mod notify;
pub mod office;
pub mod ops;
pub mod org;
pub mod public;
pub mod scale;
pub mod signing;
pub mod stats;

mod error;

pub use error::AppError;
pub use sen_store::{Backend, Db};

use sen_domain::access::{self, Grant, Permission};
use sen_domain::auth::LockoutPolicy;
use uuid::Uuid;

/// Settings the services need (the CLI reads them from file + environment).
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a staff or citizen session lives, in hours.
    pub session_hours: i64,
    pub lockout: LockoutPolicy,
    /// How long a citizen's one-time code is valid, in minutes.
    pub otp_minutes: i64,
    /// How many one-time codes one address may request per hour.
    pub otp_per_hour: i64,
    /// Shown in TOTP apps and e-mails.
    pub issuer: String,
    /// The public address of this server, for links and QR codes on forms.
    pub public_url: String,
    /// Demo only (`sen serve --demo`): show a citizen's one-time code on the
    /// sign-in page as well, for trying Sen without an SMS or mail server.
    pub demo_echo_codes: bool,
    /// A TOML file that replaces the built-in Quyết định 766 index
    /// configuration (`config/index766.toml`).
    pub index_config: Option<std::path::PathBuf>,
    /// The first retry delay of a failed outbox delivery, in seconds (it
    /// doubles with each failure, up to an hour).
    pub outbox_retry_base_secs: i64,
    /// The keys of the inter-agency exchange (edXML), when configured.
    pub exchange: Option<std::sync::Arc<exchange::ExchangeKeys>>,
    /// Digital signatures: the organisation's seal, the TSA, trust anchors.
    pub signing: signing::SigningSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_hours: 12,
            lockout: LockoutPolicy::default(),
            otp_minutes: 10,
            otp_per_hour: 5,
            issuer: "Sen".into(),
            public_url: "http://127.0.0.1:8080".into(),
            demo_echo_codes: false,
            index_config: None,
            exchange: None,
            outbox_retry_base_secs: 30,
            signing: signing::SigningSettings::default(),
        }
    }
}

/// Where the application reads the time (the real clock, or a test's).
pub type ClockFn = std::sync::Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

/// The application: a database, its settings and its clock. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub settings: Settings,
    clock: ClockFn,
    /// Counter intakes written together (group commit), started on first use.
    intakes:
        std::sync::Arc<std::sync::OnceLock<sen_store::group::Batcher<dossiers::CounterIntakes>>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("db", &self.db)
            .field("settings", &self.settings)
            .finish()
    }
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff {
        id: Uuid,
        tenant_id: Uuid,
        username: String,
        grants: Vec<Grant>,
    },
    Citizen {
        id: Uuid,
    },
    /// The command line run by the operator of the server (`sen user`, `sen demo`).
    Operator,
    /// Sen itself (scheduled jobs).
    System,
}

impl Actor {
    /// How the actor is written in the event log.
    pub fn tag(&self) -> String {
        match self {
            Actor::Staff { id, .. } => format!("user:{id}"),
            Actor::Citizen { id } => format!("citizen:{id}"),
            Actor::Operator => "operator".into(),
            Actor::System => "system".into(),
        }
    }
}

impl App {
    pub fn new(db: Db, settings: Settings) -> App {
        App {
            db,
            settings,
            clock: std::sync::Arc::new(chrono::Utc::now),
            intakes: Default::default(),
        }
    }

    /// The same application reading the time from `clock` (tests, replays).
    pub fn with_clock(mut self, clock: ClockFn) -> App {
        self.clock = clock;
        self
    }

    /// Now, in UTC.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        (self.clock)()
    }

    /// Now, as a Vietnam wall-clock time (what deadlines are counted in).
    pub fn now_local(&self) -> chrono::NaiveDateTime {
        self.now()
            .with_timezone(&sen_domain::vi::vn_offset())
            .naive_local()
    }

    /// Checks that `actor` may do `perm` on `unit`. The operator at the
    /// command line (who holds the server's keys anyway) may do anything.
    pub async fn require(
        &self,
        actor: &Actor,
        perm: Permission,
        unit: Uuid,
    ) -> Result<(), AppError> {
        match actor {
            Actor::Operator | Actor::System => Ok(()),
            Actor::Citizen { .. } => Err(AppError::Forbidden(perm)),
            Actor::Staff { grants, .. } => {
                let mut path = vec![unit];
                path.extend(sen_store::org::ancestors_ro(&self.db, unit).await?);
                if access::is_allowed(grants, perm, &path) {
                    Ok(())
                } else {
                    Err(AppError::Forbidden(perm))
                }
            }
        }
    }

    /// Checks that `actor` holds `perm` somewhere (for screens that list
    /// and then filter by unit).
    pub fn require_somewhere(&self, actor: &Actor, perm: Permission) -> Result<(), AppError> {
        match actor {
            Actor::Operator | Actor::System => Ok(()),
            Actor::Citizen { .. } => Err(AppError::Forbidden(perm)),
            Actor::Staff { grants, .. } => {
                if access::is_allowed_somewhere(grants, perm) {
                    Ok(())
                } else {
                    Err(AppError::Forbidden(perm))
                }
            }
        }
    }
}

/// Storage types that the edge may name (it never touches storage itself).
pub mod model {
    pub use sen_store::accounts::Account;
    pub use sen_store::attachments::Attachment;
    pub use sen_store::events::{EventFilter, Verification};
    pub use sen_store::org::{MergeCounts, Tenant, Unit};
}

impl App {
    /// For the public home page: the province (first tenant) and how many
    /// units it has.
    pub async fn public_overview(&self) -> Result<(Option<model::Tenant>, i64), AppError> {
        let tenant = sen_store::org::tenants(&self.db).await?.into_iter().next();
        let units = sen_store::org::count_units(&self.db).await?;
        Ok((tenant, units))
    }

    /// Readiness: the database answers and its schema is the one this build knows.
    pub async fn ready(&self) -> Result<(), AppError> {
        self.db.ping().await?;
        let v = self.db.schema_version().await?;
        if v != Db::known_schema_version() {
            return Err(AppError::Internal(format!(
                "schema version {v}, this build expects {}",
                Db::known_schema_version()
            )));
        }
        Ok(())
    }

    /// Gauges for /metrics.
    pub async fn gauges(&self) -> Result<Vec<(&'static str, &'static str, f64)>, AppError> {
        let mut gauges = vec![
            (
                "sen_events_total",
                "Events in the append-only log.",
                sen_store::events::count(&self.db).await? as f64,
            ),
            (
                "sen_units_total",
                "Units of the organisation.",
                sen_store::org::count_units(&self.db).await? as f64,
            ),
            (
                "sen_accounts_total",
                "Staff accounts.",
                sen_store::accounts::count(&self.db).await? as f64,
            ),
            (
                "sen_outbox_pending",
                "Messages waiting to be sent.",
                sen_store::outbox::count_pending(&self.db).await? as f64,
            ),
        ];
        if let Some(c) = self.db.lookup_cache() {
            gauges.extend([
                (
                    "sen_lookup_cache_listening",
                    "1 while the public lookup's cache hears the database's changes (else every lookup reads the database).",
                    f64::from(u8::from(c.listening)),
                ),
                (
                    "sen_lookup_cache_hits_total",
                    "Public lookups answered from memory.",
                    c.hits as f64,
                ),
                (
                    "sen_lookup_cache_misses_total",
                    "Public lookups read from the database.",
                    c.misses as f64,
                ),
                (
                    "sen_reference_cache_hits_total",
                    "Reads of units, procedures and calendar decisions answered from memory.",
                    c.reference_hits as f64,
                ),
                (
                    "sen_reference_cache_misses_total",
                    "Reads of units, procedures and calendar decisions made in the database.",
                    c.reference_misses as f64,
                ),
            ]);
        }
        Ok(gauges)
    }
}
