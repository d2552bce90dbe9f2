//! Configuration: built-in defaults, then a TOML file, then `SEN_*`
//! environment variables, then command-line flags. Secrets (the database
//! password) are never printed: [`Config::describe`] redacts them.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub database_connections: Option<u32>,
    pub lookup_cache_mb: Option<u32>,
    pub log_format: Option<String>,
    pub cookie_secure: Option<bool>,
    pub session_hours: Option<i64>,
    pub lockout_max_failures: Option<usize>,
    pub lockout_window_minutes: Option<i64>,
    pub issuer: Option<String>,
    pub public_url: Option<String>,
    pub outbox_retry_secs: Option<i64>,
    pub sms: Option<SmsFile>,
    pub email: Option<EmailFile>,
    pub exchange: Option<ExchangeFile>,
    pub signing: Option<SigningFile>,
}

/// `[sms]`: the SMSC Sen sends through (SMPP 3.4).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsFile {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub system_id: Option<String>,
    pub password: Option<String>,
    pub source_addr: Option<String>,
}

/// `[email]`: the SMTP relay Sen sends through.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailFile {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub from: Option<String>,
}

/// `[exchange]`: document exchange with other platforms (edXML over HTTPS
/// with mutual TLS). Our agencies' OrganIds are their unit codes.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeFile {
    /// Where peers deliver to us (mutual TLS), e.g. `0.0.0.0:8443`.
    pub listen: Option<String>,
    /// Our certificate chain (PEM): TLS client and server, and the
    /// signature of every message.
    pub cert: Option<PathBuf>,
    /// Its private key (PEM, PKCS#8 or PKCS#1).
    pub key: Option<PathBuf>,
    /// The CA certificates that vouch for peers (PEM).
    pub ca: Option<PathBuf>,
    /// Where other platforms are: an OrganId prefix (`H98`) and a base URL
    /// (`https://h98.example.vn:8443`).
    #[serde(default)]
    pub peers: Vec<PeerFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerFile {
    pub prefix: String,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
    pub peers: Vec<(String, String)>,
}

/// `[signing]`: the organisation's seal (PKCS#12, its password in the
/// environment variable named by `p12_password_env`, default
/// `SEN_SEAL_PASSWORD`), the time-stamping authority, the trusted roots
/// (PEM) and the seal's image (PNG). Relative paths are taken from the data
/// directory.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningFile {
    pub p12: Option<PathBuf>,
    pub p12_password_env: Option<String>,
    pub tsa_url: Option<String>,
    pub trust: Option<PathBuf>,
    pub seal_image: Option<PathBuf>,
}

/// Where the signing keys are; the password itself is only read from the
/// environment when `serve` loads the seal, and never kept here.
#[derive(Debug, Clone, Default)]
pub struct SigningConfig {
    pub p12: Option<PathBuf>,
    pub p12_password_env: String,
    pub tsa_url: Option<String>,
    pub trust: Option<PathBuf>,
    pub seal_image: Option<PathBuf>,
}

impl SigningConfig {
    /// Reads the seal (with its password from the environment), the trust
    /// anchors and the seal image.
    pub fn load(&self) -> anyhow::Result<sen_app::signing::SigningSettings> {
        let password = match &self.p12 {
            Some(p) => Some(std::env::var(&self.p12_password_env).map_err(|_| {
                anyhow::anyhow!(
                    "biến môi trường {} (mật khẩu của tệp PKCS#12 {}) chưa được đặt / the environment variable {} (the password of the PKCS#12 file {}) is not set",
                    self.p12_password_env,
                    p.display(),
                    self.p12_password_env,
                    p.display()
                )
            })?),
            None => None,
        };
        Ok(sen_app::signing::SigningSettings::from_files(
            self.p12.as_deref(),
            password.as_deref(),
            self.tsa_url.as_deref(),
            self.trust.as_deref(),
            self.seal_image.as_deref(),
        )?)
    }
}

/// Where notices go; `None` keeps them waiting in the outbox.
#[derive(Clone)]
pub struct SmsConfig {
    pub host: String,
    pub port: u16,
    pub system_id: String,
    pub password: String,
    pub source_addr: Option<String>,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SmsConfig {{ {}:{} as {}, password: *** }}",
            self.host, self.port, self.system_id
        )
    }
}

#[derive(Debug, Clone)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data: PathBuf,
    pub listen: SocketAddr,
    pub database_url: String,
    /// The most connections to the database server (`None`: the default
    /// of `sen_store::Db::connect`).
    pub database_connections: Option<u32>,
    /// Megabytes of public lookup rows held in memory on PostgreSQL
    /// (`None`: the store's default; 0: none).
    pub lookup_cache_mb: Option<u32>,
    pub log_format: String,
    pub cookie_secure: bool,
    pub settings: sen_app::Settings,
    pub source: Option<PathBuf>,
    pub sms: Option<SmsConfig>,
    pub email: Option<EmailConfig>,
    pub exchange: Option<ExchangeConfig>,
    /// `[signing]`, when anything of it is set.
    pub signing: Option<SigningConfig>,
}

fn env(key: &str) -> Option<String> {
    std::env::var(format!("SEN_{key}"))
        .ok()
        .filter(|v| !v.is_empty())
}

fn parse<T: std::str::FromStr>(key: &str, v: &str) -> anyhow::Result<T> {
    v.parse()
        .map_err(|_| anyhow::anyhow!("configuration {key}: cannot read «{v}»"))
}

impl Config {
    /// `data` and `listen` come from the flags (clap reads SEN_DATA and
    /// SEN_LISTEN itself); everything else from file and environment.
    pub fn load(
        data: &Path,
        listen_flag: Option<&str>,
        config_flag: Option<&Path>,
    ) -> anyhow::Result<Config> {
        let default_file = data.join("sen.toml");
        let path = match config_flag {
            Some(p) => Some(p.to_path_buf()),
            None if default_file.exists() => Some(default_file),
            None => None,
        };
        let file: FileConfig = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    anyhow::anyhow!("cannot read configuration {}: {e}", p.display())
                })?;
                toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("configuration {}: {e}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let listen_s = listen_flag
            .map(str::to_string)
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = parse("listen", &listen_s)?;
        let database_url = env("DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data.join("sen.db").display()));
        let database_connections = env("DATABASE_CONNECTIONS")
            .map(|v| parse::<u32>("database_connections", &v))
            .transpose()?
            .or(file.database_connections);
        if let Some(n) = database_connections {
            if !(sen_store::MIN_CONNECTIONS..=10_000).contains(&n) {
                anyhow::bail!(
                    "configuration database_connections: {n} is outside {}–10000",
                    sen_store::MIN_CONNECTIONS
                );
            }
        }
        let lookup_cache_mb = env("LOOKUP_CACHE_MB")
            .map(|v| parse::<u32>("lookup_cache_mb", &v))
            .transpose()?
            .or(file.lookup_cache_mb);
        if let Some(n) = lookup_cache_mb {
            if n > 65_536 {
                anyhow::bail!("configuration lookup_cache_mb: {n} is outside 0–65536");
            }
        }
        let log_format = env("LOG_FORMAT")
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        if !matches!(log_format.as_str(), "text" | "json") {
            anyhow::bail!("configuration log_format: «{log_format}» is neither text nor json");
        }
        let cookie_secure = match env("COOKIE_SECURE") {
            Some(v) => parse("cookie_secure", &v)?,
            // Plain HTTP on loopback (development, the demo) cannot carry
            // Secure cookies to every client; anything else must.
            None => file.cookie_secure.unwrap_or(!listen.ip().is_loopback()),
        };
        let mut settings = sen_app::Settings::default();
        if let Some(v) = env("SESSION_HOURS")
            .map(|v| parse("session_hours", &v))
            .transpose()?
            .or(file.session_hours)
        {
            settings.session_hours = v.clamp(1, 24 * 30);
        }
        if let Some(v) = env("LOCKOUT_MAX_FAILURES")
            .map(|v| parse("lockout_max_failures", &v))
            .transpose()?
            .or(file.lockout_max_failures)
        {
            settings.lockout.max_failures = v.max(1);
        }
        if let Some(v) = env("LOCKOUT_WINDOW_MINUTES")
            .map(|v| parse::<i64>("lockout_window_minutes", &v))
            .transpose()?
            .or(file.lockout_window_minutes)
        {
            settings.lockout.window_secs = v.max(1) * 60;
        }
        if let Some(v) = env("ISSUER").or(file.issuer) {
            settings.issuer = v;
        }
        if let Some(v) = env("OUTBOX_RETRY_SECS")
            .map(|v| parse("outbox_retry_secs", &v))
            .transpose()?
            .or(file.outbox_retry_secs)
        {
            settings.outbox_retry_base_secs = v.clamp(1, 3600);
        }
        settings.public_url = env("PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        let sms_file = file.sms.unwrap_or_default();
        let sms = match env("SMS_HOST").or(sms_file.host) {
            None => None,
            Some(host) => Some(SmsConfig {
                host,
                port: env("SMS_PORT")
                    .map(|v| parse("sms.port", &v))
                    .transpose()?
                    .or(sms_file.port)
                    .unwrap_or(2775),
                system_id: env("SMS_SYSTEM_ID").or(sms_file.system_id).ok_or_else(|| {
                    anyhow::anyhow!("configuration sms.system_id is required with sms.host")
                })?,
                password: env("SMS_PASSWORD")
                    .or(sms_file.password)
                    .unwrap_or_default(),
                source_addr: env("SMS_SOURCE_ADDR").or(sms_file.source_addr),
            }),
        };
        let email_file = file.email.unwrap_or_default();
        let email = match env("SMTP_HOST").or(email_file.host) {
            None => None,
            Some(host) => Some(EmailConfig {
                host,
                port: env("SMTP_PORT")
                    .map(|v| parse("email.port", &v))
                    .transpose()?
                    .or(email_file.port)
                    .unwrap_or(25),
                from: env("SMTP_FROM").or(email_file.from).ok_or_else(|| {
                    anyhow::anyhow!("configuration email.from is required with email.host")
                })?,
            }),
        };
        let ex = file.exchange.unwrap_or_default();
        let exchange = match env("EXCHANGE_LISTEN").or(ex.listen) {
            None => None,
            Some(l) => {
                let path = |key: &str, v: Option<PathBuf>| -> anyhow::Result<PathBuf> {
                    env(&format!("EXCHANGE_{}", key.to_uppercase()))
                        .map(PathBuf::from)
                        .or(v)
                        .map(|p| if p.is_relative() { data.join(p) } else { p })
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "configuration exchange.{key} is required with exchange.listen"
                            )
                        })
                };
                // SEN_EXCHANGE_PEERS="H98=https://a:8443,H97=https://b:8443"
                let peers = match env("EXCHANGE_PEERS") {
                    Some(list) => list
                        .split(',')
                        .filter(|x| !x.trim().is_empty())
                        .map(|x| {
                            x.split_once('=')
                                .map(|(p, u)| (p.trim().to_string(), u.trim().to_string()))
                                .ok_or_else(|| {
                                    anyhow::anyhow!(
                                        "configuration SEN_EXCHANGE_PEERS: «{x}» is not PREFIX=URL"
                                    )
                                })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?,
                    None => ex
                        .peers
                        .iter()
                        .map(|p| (p.prefix.clone(), p.url.clone()))
                        .collect(),
                };
                Some(ExchangeConfig {
                    listen: parse("exchange.listen", &l)?,
                    cert: path("cert", ex.cert)?,
                    key: path("key", ex.key)?,
                    ca: path("ca", ex.ca)?,
                    peers,
                })
            }
        };
        let signing_file = file.signing.unwrap_or_default();
        let in_data = |p: PathBuf| if p.is_relative() { data.join(p) } else { p };
        let signing = SigningConfig {
            p12: env("SIGNING_P12")
                .map(PathBuf::from)
                .or(signing_file.p12)
                .map(in_data),
            p12_password_env: env("SIGNING_P12_PASSWORD_ENV")
                .or(signing_file.p12_password_env)
                .unwrap_or_else(|| "SEN_SEAL_PASSWORD".into()),
            tsa_url: env("SIGNING_TSA_URL").or(signing_file.tsa_url),
            trust: env("SIGNING_TRUST")
                .map(PathBuf::from)
                .or(signing_file.trust)
                .map(in_data),
            seal_image: env("SIGNING_SEAL_IMAGE")
                .map(PathBuf::from)
                .or(signing_file.seal_image)
                .map(in_data),
        };
        let signing = (signing.p12.is_some()
            || signing.tsa_url.is_some()
            || signing.trust.is_some()
            || signing.seal_image.is_some())
        .then_some(signing);
        Ok(Config {
            exchange,
            signing,
            sms,
            email,
            data: data.to_path_buf(),
            listen,
            database_url,
            database_connections,
            lookup_cache_mb,
            log_format,
            cookie_secure,
            settings,
            source: path,
        })
    }

    /// A one-line description for the log, without secrets.
    pub fn describe(&self) -> String {
        format!(
            "data={} database={} listen={} config={}",
            self.data.display(),
            sen_store::redact_url(&self.database_url),
            self.listen,
            self.source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(defaults + environment)".into())
        ) + &match &self.signing {
            // Paths and the URL only: the password stays in its variable.
            Some(s) => format!(
                " signing=[seal={} tsa={} trust={}]",
                s.p12
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "-".into()),
                s.tsa_url.as_deref().unwrap_or("-"),
                s.trust
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            None => String::new(),
        }
    }
}
