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
        Ok(Config {
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
