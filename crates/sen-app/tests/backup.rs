//! A backup taken while writers keep writing restores to a database that
//! holds every change committed before the snapshot began.

use sen_app::org::NewUnit;
use sen_app::{Actor, App};
use sen_store::testing::TestDb;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn backup_under_concurrent_writes_loses_nothing_committed() {
    let t = TestDb::new().await;
    let app = App::new(t.db.clone(), sen_app::Settings::default());
    app.load_demo().await.unwrap();
    let tenant = app.public_overview().await.unwrap().0.unwrap();
    let root = app
        .units(&Actor::Operator, tenant.id, None)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.code == "H99")
        .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let committed: Arc<Mutex<Vec<String>>> = Arc::default();
    let counter = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (app, stop, committed, counter) = (
            app.clone(),
            stop.clone(),
            committed.clone(),
            counter.clone(),
        );
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let i = counter.fetch_add(1, Ordering::SeqCst);
                let code = format!("H99.9{w}.{i}");
                app.create_unit(
                    &Actor::Operator,
                    NewUnit {
                        parent_id: root.id,
                        code: code.clone(),
                        abbreviation: "UBND".into(),
                        name: format!("Ủy ban nhân dân xã Thử {i}"),
                        kind: "commune".into(),
                    },
                )
                .await
                .expect("write during backup");
                committed.lock().unwrap().push(code);
            }
        }));
    }
    // Let the writers get going, then take the snapshot in the middle of it.
    while counter.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before_backup: Vec<String> = committed.lock().unwrap().clone();
    let dest = t.dir.join("backup");
    let manifest = app.backup(&t.url, &dest).await.expect("backup");
    let after_backup = counter.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    assert!(
        after_backup > before_backup.len(),
        "writers were not running during the backup"
    );

    let url = t.empty_sibling_url().await;
    let report = sen_app::ops::restore(&dest, &url).await.expect("restore");
    assert!(report.chain_ok);
    assert!(report.events >= manifest.events_at_start);
    let restored = App::new(
        sen_store::Db::connect(&url).await.unwrap(),
        sen_app::Settings::default(),
    );
    let codes: std::collections::HashSet<String> = restored
        .units(&Actor::Operator, tenant.id, None)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.code)
        .collect();
    for code in &before_backup {
        assert!(
            codes.contains(code),
            "unit {code} committed before the backup is missing"
        );
    }
    let v = restored.verify_log(&Actor::Operator).await.unwrap();
    assert!(v.tamper.is_none() && v.head_matches);
}
