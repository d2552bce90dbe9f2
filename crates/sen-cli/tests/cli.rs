//! The `sen` binary as an operator uses it, on the backend under test.

use sen_store::testing::TestDb;
use std::path::Path;
use std::process::{Command, Output};

fn sen(data: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sen"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("SEN_DATABASE_URL", url)
        .env("SEN_LOG", "warn")
        .output()
        .expect("run sen")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "sen failed ({}): {}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn audit_verify_names_the_tampered_event() {
    let t = TestDb::new().await;
    let data = t.dir.join("data");
    let out = ok(&sen(&data, &t.url, &["demo"]));
    assert!(out.contains("quantri"), "{out}");
    let out = ok(&sen(&data, &t.url, &["audit", "verify"]));
    assert!(out.starts_with("OK: "), "{out}");

    sen_store::testing::tamper_event_payload(&t.db, 3, r#"{"forged":true}"#)
        .await
        .unwrap();
    let o = sen(&data, &t.url, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1), "verify must fail after tampering");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("TAMPERED: event seq 3 "), "{out}");
    assert!(out.contains("content altered"), "{out}");
    assert!(out.contains("2 events before it verified"), "{out}");
}

#[tokio::test]
async fn backup_then_restore_into_an_empty_place_gives_the_same_data() {
    let t = TestDb::new().await;
    let data = t.dir.join("data");
    ok(&sen(&data, &t.url, &["demo"]));
    ok(&sen(
        &data,
        &t.url,
        &[
            "user",
            "create",
            "--username",
            "thuky",
            "--full-name",
            "Lý Thư Ký",
            "--role",
            "clerk",
            "--unit",
            "H99.10",
        ],
    ));
    let backup = t.dir.join("backup-1");
    let out = ok(&sen(&data, &t.url, &["backup", backup.to_str().unwrap()]));
    assert!(out.contains("sha256"), "{out}");
    // Backing up into a non-empty directory is refused.
    let o = sen(&data, &t.url, &["backup", backup.to_str().unwrap()]);
    assert!(!o.status.success());

    let target_url = t.empty_sibling_url().await;
    let new_data = t.dir.join("restored");
    let out = ok(&sen(
        &new_data,
        &target_url,
        &["restore", backup.to_str().unwrap()],
    ));
    assert!(out.contains("chain verified"), "{out}");
    // Restoring over existing data is refused.
    let o = sen(
        &new_data,
        &target_url,
        &["restore", backup.to_str().unwrap()],
    );
    assert!(!o.status.success());

    let list = |d: &Path, u: &str| ok(&sen(d, u, &["user", "list"]));
    assert_eq!(list(&data, &t.url), list(&new_data, &target_url));
    assert!(list(&new_data, &target_url).contains("thuky"));
    let verify = ok(&sen(&new_data, &target_url, &["audit", "verify"]));
    assert_eq!(
        verify,
        ok(&sen(&data, &t.url, &["audit", "verify"])),
        "same chain head"
    );

    // A damaged backup is refused before anything is written.
    let file = std::fs::read_dir(&backup)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.ends_with("manifest.json"))
        .unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let other_url = t.empty_sibling_url().await;
    let o = sen(
        &t.dir.join("restored-2"),
        &other_url,
        &["restore", backup.to_str().unwrap()],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("checksum mismatch"));
}

#[test]
fn calendar_commands() {
    let dir = std::env::temp_dir();
    let run = |args: &[&str]| ok(&sen(&dir, "sqlite://unused.db", args));
    let h = run(&["calendar", "holidays", "2026"]);
    assert!(h.contains("\"2026-02-17\""), "{h}");
    assert!(h.contains("Giỗ Tổ Hùng Vương") || h.contains("Hùng"), "{h}");
    assert!(run(&["calendar", "lunar", "2026-02-17"]).starts_with("01/01/2026"));
    // Friday 13 Feb 2026 09:00 + 1 working day: Tết closes 16–20 Feb, so Monday 23 Feb.
    assert_eq!(
        run(&["calendar", "add-working-days", "2026-02-13T09:00", "1"]).trim(),
        "2026-02-23T09:00"
    );
    let o = sen(
        &dir,
        "sqlite://unused.db",
        &["calendar", "lunar", "2026-13-01"],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn catalogue_export_then_import_round_trips() {
    let t = TestDb::new().await;
    let data = t.dir.join("data");
    ok(&sen(&data, &t.url, &["demo"]));
    let json = ok(&sen(&data, &t.url, &["catalogue", "export"]));
    let file = t.dir.join("catalogue.json");
    std::fs::write(&file, &json).unwrap();
    let out = ok(&sen(
        &data,
        &t.url,
        &["catalogue", "import", file.to_str().unwrap()],
    ));
    assert!(out.contains("unchanged: 3"), "{out}");
    // One more working day for the civil-status copy, given to its processing step.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = v
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["code"] == "1.001193")
        .unwrap();
    p["processing_days"] = serde_json::json!(3);
    p["steps"][1]["time"] = serde_json::json!({"hours": 16});
    std::fs::write(&file, v.to_string()).unwrap();
    let out = ok(&sen(
        &data,
        &t.url,
        &["catalogue", "import", file.to_str().unwrap()],
    ));
    assert!(
        out.contains("1.001193 v2") && out.contains("unchanged: 2"),
        "{out}"
    );
    std::fs::write(&file, "[{\"code\": \"x\"}]").unwrap();
    let o = sen(
        &data,
        &t.url,
        &["catalogue", "import", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    let csv = ok(&sen(&data, &t.url, &["catalogue", "export", "--csv"]));
    assert!(csv.starts_with("code,version,name"), "{csv}");
    assert!(ok(&sen(&data, &t.url, &["deadlines"])).contains("overdue"));
}

#[tokio::test]
async fn bench_runs_and_prints_its_ratios() {
    // Not a timed test: it only checks that the benchmark runs end to end
    // on the backend under test and reports each ratio.
    let t = TestDb::new().await;
    let data = t.dir.join("data");
    let out = ok(&sen(
        &data,
        &t.url,
        &[
            "bench",
            "--dossiers",
            "20",
            "--concurrency",
            "2",
            "--seconds",
            "1",
        ],
    ));
    for line in [
        "intake (durable, counter)",
        "raw inserts (baseline)",
        "ratio intake / raw",
        "bare HTTP (baseline)",
        "public lookup",
        "ratio lookup / bare",
    ] {
        assert!(out.contains(line), "«{line}» missing:\n{out}");
    }
    assert!(out.contains("errors 0"), "{out}");
}

/// `database_connections` bounds the connections one process opens; a
/// value the store cannot work with is refused with its name, before
/// anything is opened.
#[tokio::test]
async fn database_connections_is_read_and_checked() {
    let t = TestDb::new().await;
    let data = t.dir.join("data");
    let with_env = |var: &str, n: &str| {
        Command::new(env!("CARGO_BIN_EXE_sen"))
            .arg("--data")
            .arg(&data)
            .args(["migrate"])
            .env("SEN_DATABASE_URL", &t.url)
            .env(var, n)
            .env("SEN_LOG", "warn")
            .output()
            .expect("run sen")
    };
    let with = |n: &str| with_env("SEN_DATABASE_CONNECTIONS", n);
    ok(&with("6"));
    for bad in ["2", "many"] {
        let o = with(bad);
        assert!(!o.status.success(), "{bad} accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("database_connections"), "{bad}: {err}");
    }
    // The lookup cache's size likewise.
    let cache = |n: &str| with_env("SEN_LOOKUP_CACHE_MB", n);
    ok(&cache("0"));
    ok(&cache("16"));
    for bad in ["-1", "lots", "100000"] {
        let o = cache(bad);
        assert!(!o.status.success(), "{bad} accepted");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("lookup_cache_mb"), "{bad}: {err}");
    }
}
