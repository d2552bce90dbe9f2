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
    pub log_format: Option<String>,
    pub cookie_secure: Option<bool>,
    pub session_hours: Option<i64>,
    pub lockout_max_failures: Option<usize>,
    pub lockout_window_minutes: Option<i64>,
    pub issuer: Option<String>,
    pub public_url: Option<String>,
    pub sms: Option<SmsFile>,
    pub email: Option<EmailFile>,
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
    pub log_format: String,
    pub cookie_secure: bool,
    pub settings: sen_app::Settings,
    pub source: Option<PathBuf>,
    pub sms: Option<SmsConfig>,
    pub email: Option<EmailConfig>,
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
        Ok(Config {
            sms,
            email,
            data: data.to_path_buf(),
            listen,
            database_url,
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
        )
    }
}
