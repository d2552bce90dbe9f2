//! `sen sign`: digital signatures from the command line.

use anyhow::{bail, Context};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum SignCommand {
    /// Verify every signature of a PDF: who signed, when, intact or
    /// modified, trusted or not. Exits with 1 when the file has no
    /// signature or a signature is not intact.
    Verify {
        file: PathBuf,
        /// Trusted root certificates (PEM); default `[signing] trust`.
        #[arg(long)]
        trust: Option<PathBuf>,
    },
}

fn mark(status: &str) -> &'static str {
    match status {
        "ok" => "[+]",
        "bad" => "[-]",
        _ => "[i]",
    }
}

pub fn run(cfg: &crate::config::Config, command: SignCommand) -> anyhow::Result<ExitCode> {
    match command {
        SignCommand::Verify { file, trust } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            if !sen_app::signing::looks_like_pdf(&bytes) {
                bail!(
                    "«{}» không phải tệp PDF / is not a PDF file",
                    file.display()
                );
            }
            let trust = trust.or_else(|| cfg.signing.as_ref().and_then(|s| s.trust.clone()));
            let anchors = match &trust {
                Some(p) => sen_app::signing::load_trust_anchors(p)?,
                None => Vec::new(),
            };
            let sigs = sen_app::signing::verify_with(&bytes, &anchors, chrono::Utc::now());
            let report = sen_app::signing::report(&bytes, sigs);
            println!(
                "Tệp / file: {} ({} B, SHA-256 {})",
                file.display(),
                report.size,
                report.sha256
            );
            println!("{}", report.summary_vi);
            println!("{}", report.summary_en);
            if anchors.is_empty() {
                println!("Chưa có chứng thư gốc tin cậy (--trust): mọi chữ ký đều «không được tin cậy» / no trust anchors given (--trust): every signature shows as not trusted");
            }
            for (i, s) in report.signatures.iter().enumerate() {
                println!();
                println!(
                    "Chữ ký {} / signature {} [{}]: {} / {}",
                    i + 1,
                    i + 1,
                    s.field_name,
                    s.verdict_vi,
                    s.verdict_en
                );
                println!(
                    "  Người ký / signer: {}{}",
                    s.signer_name.as_deref().unwrap_or("?"),
                    s.organisation
                        .as_deref()
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default()
                );
                if let Some(t) = &s.signing_time {
                    println!(
                        "  Thời gian ký / signing time: {t} ({})",
                        if s.time_from_timestamp {
                            "theo dấu thời gian / from the time-stamp"
                        } else {
                            "do người ký ghi / claimed by the signer"
                        }
                    );
                }
                println!("  Loại / level: PAdES {}", s.level);
                for c in &s.checks {
                    println!("  {} {} / {}", mark(c.status), c.vi, c.en);
                }
                for p in &s.problems {
                    println!("      {p}");
                }
            }
            println!();
            println!("{} / {}", report.note_vi, report.note_en);
            let broken = report.signatures.is_empty()
                || report
                    .signatures
                    .iter()
                    .any(|s| s.modified || !s.intact || s.verdict == "unreadable");
            Ok(if broken {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
