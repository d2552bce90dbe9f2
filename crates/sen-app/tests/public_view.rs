//! The public view stored with each dossier equals a fresh fold of its
//! events, for every dossier, after a mixed run on the backend under test:
//! counter intake, online submission, every kind of action, attachments,
//! the deadline watch's flags, concurrent writers, and bulk-loaded dossiers
//! that had no view until their next event.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sen_app::dossiers::{Applicant, Intake};
use sen_app::public::{PublicAnswer, PublicView, FOLD_VERSION};
use sen_app::scale::ScaleOptions;
use sen_app::{Actor, App};
use sen_domain::dossier::Action;
use sen_store::testing::TestDb;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    sen_domain::vi::vn_offset()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn applicant(i: usize) -> Applicant {
    Applicant {
        name: format!("Trần Văn {i}"),
        phone: Some(format!("09{:08}", 41_000_000 + i)),
        email: if i.is_multiple_of(2) {
            Some(format!("nguoi{i}@example.vn"))
        } else {
            None
        },
        id_number: Some(format!("0011900{:05}", i)),
        address: None,
    }
}

async fn citizen(app: &App, i: usize) -> Actor {
    let phone = format!("08{:08}", 51_000_000 + i);
    let c = app
        .db
        .transaction(|tx| {
            let phone = phone.clone();
            Box::pin(async move {
                let (c, _) = sen_store::citizens::find_or_create(tx, Some(&phone), None).await?;
                Ok::<_, sen_store::StoreError>(c)
            })
        })
        .await
        .unwrap();
    Actor::Citizen { id: c.id }
}

/// Every dossier: the lookup (with and without proof) equals a fresh fold
/// of its events.
/// Every dossier's id, code and stored view, page by page.
async fn all_views(app: &App) -> Vec<(Uuid, String, Option<String>)> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = sen_store::dossiers::public_views(&app.db, after, 200, None)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.0);
        all.extend(page);
    }
    all
}

async fn lookups_equal_fresh_folds(app: &App) -> usize {
    let mut n = 0;
    for (id, code, stored) in all_views(app).await {
        let stored_current = stored.as_deref().is_some_and(PublicView::is_current);
        let row = sen_store::dossiers::by_id(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        let fresh = app.fold_dossier(id).await.unwrap();
        assert_eq!(
            fresh.status, row.status,
            "{code}: the fold and the row agree"
        );
        let proof = row.applicant_phone.clone().unwrap();
        for (proof, verified) in [(None, false), (Some(&proof[6..]), true)] {
            let shown = app.public_lookup(&code, proof).await.unwrap();
            let expected = fresh
                .clone()
                .into_public(code.clone(), verified, &row.applicant_name);
            assert_eq!(
                serde_json::to_value(&shown).unwrap(),
                serde_json::to_value(&expected).unwrap(),
                "{code}"
            );
            assert_eq!(shown.verified, verified);
            // The API's answer encodes to the same bytes, whether it is
            // built or encoded straight from the stored view.
            let answer = app.public_answer(&code, proof).await.unwrap();
            assert_eq!(
                matches!(answer, PublicAnswer::Stored(_)),
                !verified && stored_current,
                "{code}: the stored text is used exactly when it can be"
            );
            assert_eq!(
                answer.into_json().unwrap(),
                serde_json::to_string(&expected).unwrap(),
                "{code}"
            );
        }
        n += 1;
    }
    n
}

/// Every dossier's row read at once, each code twice, with codes that match
/// nothing: each read gets the row of its own code, as when read alone (on
/// PostgreSQL they are read in batches, and fewer batches than reads; the
/// reads go through a connection without a lookup cache, which would answer
/// the second round from memory).
async fn concurrent_reads_answer_each_its_own(app: &App, url: &str) {
    let codes: Vec<String> = all_views(app)
        .await
        .into_iter()
        .map(|(_, code, _)| code)
        .collect();
    let db = sen_store::Db::connect_options(
        url,
        sen_store::DbOptions {
            lookup_cache_mb: Some(0),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(db.lookup_cache().is_none());
    let mut alone = std::collections::HashMap::new();
    for code in &codes {
        let row = sen_store::dossiers::public_by_code(&db, code)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&row.code, code);
        alone.insert(code.clone(), row);
    }
    let asked: Vec<String> = codes
        .iter()
        .chain(codes.iter().rev())
        .cloned()
        .chain((0..20).map(|i| format!("H99-000000-{i:04}")))
        .collect();
    let before = sen_store::bench::pg_read_batches(&db);
    let reads: Vec<_> = asked
        .iter()
        .map(|code| {
            let (db, code) = (db.clone(), code.clone());
            tokio::spawn(async move { sen_store::dossiers::public_by_code(&db, &code).await })
        })
        .collect();
    for (code, read) in asked.iter().zip(reads) {
        let got = read.await.unwrap().unwrap();
        assert_eq!(got.as_ref(), alone.get(code), "{code}");
    }
    if let (Some((b0, r0)), Some((b1, r1))) = (before, sen_store::bench::pg_read_batches(&db)) {
        eprintln!("{} reads in {} statements", r1 - r0, b1 - b0);
        assert_eq!(r1 - r0, asked.len());
        // How much fewer depends on the machine's load (2 connections,
        // the reads spawned at once): 55 statements for 308 reads with
        // another test suite running beside.
        assert!(b1 - b0 < asked.len() / 2, "{} batches", b1 - b0);
    }
    db.close().await;
}

#[tokio::test]
async fn the_stored_public_view_equals_a_fresh_fold_after_a_mixed_run() {
    let t = TestDb::new().await;
    let clock = Arc::new(Mutex::new(vn(2026, 3, 2, 8, 0)));
    let c = clock.clone();
    let app = App::new(t.db.clone(), sen_app::Settings::default())
        .with_clock(Arc::new(move || *c.lock().unwrap()));
    let advance = |h: i64| *clock.lock().unwrap() += Duration::hours(h);
    // A few bulk-loaded dossiers first (they carry no view).
    let scale = app
        .load_scale(
            &ScaleOptions {
                dossiers: 120,
                years: 1,
                seed: 3,
                batch: 100,
            },
            |_, _| {},
        )
        .await
        .unwrap();
    let tenant = scale.tenant;
    let op = Actor::Operator;
    let before = app.check_public_views().await.unwrap();
    assert_eq!(before.checked, 120);
    assert_eq!(before.missing, 120, "the loader writes no view");
    assert!(before.mismatched.is_empty());

    let mut ids: Vec<(Uuid, &str)> = Vec::new();
    for i in 0..24usize {
        advance(3);
        let code = ["2.000488", "1.001193", "1.009972"][i % 3];
        if i % 4 == 3 {
            let who = citizen(&app, i).await;
            let d = app
                .submit_online(&who, tenant, code, applicant(i))
                .await
                .unwrap();
            match i % 3 {
                0 => {
                    app.act(&who, d.row.id, Action::Withdraw).await.unwrap();
                    continue;
                }
                1 => {
                    app.act(
                        &op,
                        d.row.id,
                        Action::RequestSupplement {
                            reason: "Thiếu bản sao CCCD".into(),
                            missing: vec!["Bản sao CCCD".into()],
                        },
                    )
                    .await
                    .unwrap();
                    app.attach(
                        &who,
                        d.row.id,
                        vec![("cccd.pdf".into(), b"%PDF-1.4\n% cccd\n".to_vec())],
                    )
                    .await
                    .unwrap();
                    app.act(&who, d.row.id, Action::Supplement).await.unwrap();
                }
                _ => {}
            }
            app.act(&op, d.row.id, Action::Receive).await.unwrap();
            ids.push((d.row.id, code));
        } else {
            let d = app
                .receive_at_counter(
                    &op,
                    tenant,
                    Intake {
                        procedure_code: code.into(),
                        applicant: applicant(i),
                        receiving_unit_id: None,
                    },
                )
                .await
                .unwrap();
            assert_eq!(d.row.status, "received");
            ids.push((d.row.id, code));
        }
    }
    // Fates: handed on, supplements, extension, refusal, results returned
    // and rated; files added by the desk.
    for (k, (id, code)) in ids.iter().enumerate() {
        let first = route(code)[0];
        advance(2);
        app.act(
            &op,
            *id,
            Action::HandOff {
                to_step: first.into(),
            },
        )
        .await
        .unwrap();
        match k % 6 {
            0 => {
                app.act(
                    &op,
                    *id,
                    Action::Refuse {
                        reason: "Không đủ điều kiện".into(),
                    },
                )
                .await
                .unwrap();
            }
            1 => {
                app.act(
                    &op,
                    *id,
                    Action::RequestSupplement {
                        reason: "Bổ sung bản vẽ".into(),
                        missing: vec!["Bản vẽ".into()],
                    },
                )
                .await
                .unwrap();
                advance(30);
                app.act(&op, *id, Action::Supplement).await.unwrap();
            }
            2 => extend(&app, *id).await,
            3 => {
                app.attach(
                    &op,
                    *id,
                    vec![("ket-qua.pdf".into(), b"%PDF-1.4\n% kq\n".to_vec())],
                )
                .await
                .unwrap();
            }
            _ => {}
        }
        if k % 6 >= 4 {
            for step in route(code).iter().skip(1) {
                app.act(
                    &op,
                    *id,
                    Action::HandOff {
                        to_step: (*step).into(),
                    },
                )
                .await
                .unwrap();
            }
            app.act(&op, *id, Action::ProposeResult).await.unwrap();
            app.act(
                &op,
                *id,
                Action::HandOff {
                    to_step: "phe_duyet".into(),
                },
            )
            .await
            .unwrap();
            app.act(&op, *id, Action::ApproveResult).await.unwrap();
            app.act(&op, *id, Action::Return).await.unwrap();
            app.act(&op, *id, Action::Rate { score: 4 }).await.unwrap();
        }
    }
    // Concurrent writers on different dossiers, and two on the same one.
    let open: Vec<Uuid> = ids
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 6 == 3)
        .map(|(_, (id, _))| *id)
        .collect();
    let mut handles = Vec::new();
    for (j, id) in open.iter().enumerate() {
        let (a1, a2, id) = (app.clone(), app.clone(), *id);
        handles.push(tokio::spawn(async move {
            a1.attach(
                &Actor::Operator,
                id,
                vec![(format!("phu-luc-{j}.pdf"), b"%PDF-1.4\n% pl\n".to_vec())],
            )
            .await
            .unwrap();
        }));
        handles.push(tokio::spawn(async move {
            extend(&a2, id).await;
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    // Bulk-loaded dossiers that get a new event fold all their events.
    let loaded =
        sen_store::dossiers::public_views(&app.db, None, 1000, Some(&PublicView::current_prefix()))
            .await
            .unwrap();
    assert_eq!(loaded.len(), 120);
    let mut touched = 0;
    for (id, _, _) in loaded.iter().step_by(40) {
        app.attach(
            &op,
            *id,
            vec![("bo-sung.pdf".into(), b"%PDF-1.4\n% bs\n".to_vec())],
        )
        .await
        .unwrap();
        touched += 1;
    }
    assert!(touched > 0, "some loaded dossiers");
    // Time passes: the deadline watch flags what is due or late.
    advance(24 * 20);
    let scan = app.scan_deadlines().await.unwrap();
    assert!(!scan.overdue.is_empty(), "{scan:?}");

    let check = app.check_public_views().await.unwrap();
    assert_eq!(check.checked as usize, 120 + 24);
    assert!(check.mismatched.is_empty(), "{check:?}");
    assert_eq!(check.missing, 120 - touched, "{check:?}");
    // Lookups of dossiers without a view fold the events; filling stores
    // them, and nothing changes in what is shown.
    assert_eq!(lookups_equal_fresh_folds(&app).await, 144);
    assert_eq!(app.fill_public_views(50).await.unwrap(), 120 - touched);
    let check = app.check_public_views().await.unwrap();
    assert_eq!(check.missing, 0);
    assert!(check.mismatched.is_empty(), "{check:?}");
    assert_eq!(lookups_equal_fresh_folds(&app).await, 144);
    concurrent_reads_answer_each_its_own(&app, &t.url).await;

    // The check can fail: a stored view that says something else is named,
    // and a view of another fold version is not served.
    let (victim, code) = {
        let (id, _) = ids[1];
        (id, app.dossier_by_id(id).await.unwrap().row.code)
    };
    let mut forged: PublicView = app.fold_dossier(victim).await.unwrap();
    assert_eq!(forged.status, "in_process");
    forged.status = "returned".into();
    set_view(&app, victim, &forged.to_json().unwrap()).await;
    let check = app.check_public_views().await.unwrap();
    assert_eq!(check.mismatched, vec![code.clone()]);
    forged.v = FOLD_VERSION + 1;
    set_view(&app, victim, &forged.to_json().unwrap()).await;
    let shown = app.public_lookup(&code, None).await.unwrap();
    assert_eq!(shown.status, app.fold_dossier(victim).await.unwrap().status);
    assert_ne!(shown.status, "returned");
    // Filling replaces a view of another version (as after an upgrade).
    assert_eq!(app.check_public_views().await.unwrap().missing, 1);
    assert_eq!(app.fill_public_views(50).await.unwrap(), 1);
    let check = app.check_public_views().await.unwrap();
    assert_eq!((check.missing, check.mismatched.len()), (0, 0), "{check:?}");
    assert!(matches!(
        app.public_answer(&code, None).await.unwrap(),
        PublicAnswer::Stored(_)
    ));
    // The chain still verifies.
    let v = sen_store::events::verify(&app.db).await.unwrap();
    assert!(v.tamper.is_none() && v.head_matches, "{v:?}");
}

/// The steps a dossier of each demo procedure passes before its result is
/// proposed (then `phe_duyet` approves it).
fn route(code: &str) -> &'static [&'static str] {
    match code {
        "2.000488" => &["tham_dinh", "xac_minh", "du_thao"],
        "1.001193" => &["xu_ly"],
        _ => &["tham_dinh"],
    }
}

/// Extends the dossier's due time by ten days (not bound to a step).
async fn extend(app: &App, id: Uuid) {
    let d = app.dossier_by_id(id).await.unwrap();
    let due =
        chrono::NaiveDateTime::parse_from_str(d.row.due_at.as_deref().unwrap(), "%Y-%m-%dT%H:%M")
            .unwrap();
    let leader = app.account_by_username("lanhdao").await.unwrap().id;
    app.act(
        &Actor::Operator,
        id,
        Action::Extend {
            new_due: due + Duration::days(10),
            approved_by: leader,
            reason: "Cần xác minh thêm".into(),
        },
    )
    .await
    .unwrap();
}

/// Plays a DBA who rewrites a stored view behind the application's back.
async fn set_view(app: &App, id: Uuid, json: &str) {
    write_view(&app.db, id, json).await
}

/// Stores a view through `db` (another process's connection, when it is
/// not the app's).
async fn write_view(db: &sen_store::Db, id: Uuid, json: &str) {
    let json = json.to_string();
    let db = db.clone();
    db.clone()
        .transaction(|tx| {
            let (json, db) = (json.clone(), db.clone());
            Box::pin(async move {
                sen_store::dossiers::set_public_view(&db, tx, id, &json).await?;
                Ok::<_, sen_store::StoreError>(())
            })
        })
        .await
        .unwrap();
}

/// The demo province at 9:00 on Monday 2 March 2026, and its tenant.
async fn demo_at_9(t: &TestDb) -> (App, Uuid) {
    let now = vn(2026, 3, 2, 9, 0);
    let app =
        App::new(t.db.clone(), sen_app::Settings::default()).with_clock(Arc::new(move || now));
    app.load_demo().await.unwrap();
    let tenant = app.public_overview().await.unwrap().0.unwrap().id;
    (app, tenant)
}

/// A counter intake of procedure 1.001193 at the operator's desk.
async fn receive(
    app: &App,
    tenant: Uuid,
    applicant: Applicant,
) -> Result<sen_app::dossiers::Dossier, sen_app::AppError> {
    app.receive_at_counter(
        &Actor::Operator,
        tenant,
        Intake {
            procedure_code: "1.001193".into(),
            applicant,
            receiving_unit_id: None,
        },
    )
    .await
}

#[tokio::test]
async fn counter_intake_is_one_transaction_with_both_events() {
    let t = TestDb::new().await;
    let (app, tenant) = demo_at_9(&t).await;
    let before = sen_store::events::count(&app.db).await.unwrap();
    let mut codes = Vec::new();
    for i in 0..3 {
        let d = receive(&app, tenant, applicant(i)).await.unwrap();
        let evs = sen_store::dossiers::events_of(&app.db, d.row.id)
            .await
            .unwrap();
        let actions: Vec<&str> = evs.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["dossier.submitted", "dossier.receive"]);
        assert_eq!(evs[1].seq, evs[0].seq + 1, "appended together");
        codes.push(d.row.code);
    }
    // Gap-free codes of the day.
    assert!(
        codes[0].ends_with("-0001") && codes[2].ends_with("-0003"),
        "{codes:?}"
    );
    assert_eq!(sen_store::events::count(&app.db).await.unwrap(), before + 6);
    // A refused intake leaves nothing behind and gives no number away.
    let bad = receive(
        &app,
        tenant,
        Applicant {
            phone: None,
            email: None,
            ..applicant(9)
        },
    )
    .await;
    assert!(bad.is_err());
    let d = receive(&app, tenant, applicant(4)).await.unwrap();
    assert!(d.row.code.ends_with("-0004"), "{}", d.row.code);
    // The receipt notice is queued once, for the `receive` event.
    let evs = sen_store::dossiers::events_of(&app.db, d.row.id)
        .await
        .unwrap();
    let pending = sen_store::outbox::recent(&app.db, 100).await.unwrap();
    let keys: Vec<&str> = pending
        .iter()
        .filter(|m| m.idempotency_key.starts_with(&evs[1].id.to_string()))
        .map(|m| m.idempotency_key.as_str())
        .collect();
    assert_eq!(keys.len(), 2, "sms and e-mail: {keys:?}");
    assert!(pending
        .iter()
        .all(|m| !m.idempotency_key.starts_with(&evs[0].id.to_string())));
    let check = app.check_public_views().await.unwrap();
    assert_eq!((check.checked, check.missing), (4, 0));
    assert!(check.mismatched.is_empty());
}

/// Polls `f` every 10 ms for up to `secs` seconds; the time it took to
/// hold, if it did.
async fn within<F, Fut>(secs: u64, mut f: F) -> Option<std::time::Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(secs) {
        if f().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    None
}

/// Whether `db`'s lookup cache has a listener in place within `secs`.
async fn listening_within(db: &sen_store::Db, secs: u64) -> bool {
    within(secs, || async {
        db.lookup_cache().is_some_and(|c| c.listening)
    })
    .await
    .is_some()
}

/// Another process (`other`) stores `json` as the view; the time until a
/// lookup through `app` shows `status`, if within `secs`.
async fn rewrite_then_shown(
    other: &sen_store::Db,
    app: &App,
    (id, code): (Uuid, &str),
    json: &str,
    status: &serde_json::Value,
    secs: u64,
) -> Option<std::time::Duration> {
    write_view(other, id, json).await;
    within(secs, || async {
        &shown(app, code).await["status"] == status
    })
    .await
}

/// What a lookup without proof must show: a fresh fold of the events.
async fn fresh_answer(app: &App, id: Uuid) -> serde_json::Value {
    let row = app.dossier_by_id(id).await.unwrap().row;
    let fresh = app.fold_dossier(id).await.unwrap();
    serde_json::to_value(fresh.into_public(row.code, false, &row.applicant_name)).unwrap()
}

async fn shown(app: &App, code: &str) -> serde_json::Value {
    serde_json::to_value(app.public_lookup(code, None).await.unwrap()).unwrap()
}

/// On PostgreSQL the lookup's rows are held in memory (`lookup_cache_mb`).
/// A write of this process shows in the very next lookup; a write of
/// another process (another pool, another cache) shows as soon as its
/// notification arrives, also after the listener's connection was killed;
/// what is held is served. On SQLite the rows are held too, and dropped
/// when the file's data_version shows another connection's commit, which
/// each lookup checks: there every write shows at once.
#[tokio::test]
async fn lookups_show_each_write_here_at_once_and_from_elsewhere_soon() {
    let t = TestDb::new().await;
    let (app, tenant) = demo_at_9(&t).await;
    let d = receive(&app, tenant, applicant(7)).await.unwrap();
    let (id, code) = (d.row.id, d.row.code.clone());
    let pg = t.db.backend() == sen_store::Backend::Postgres;
    let cache = |db: &sen_store::Db| db.lookup_cache();
    // On SQLite the cache checks the file's data_version before each
    // answer from memory: it is ready at once.
    assert!(
        listening_within(&app.db, 10).await,
        "the listener is in place"
    );
    // Held after the first lookup, and served from memory.
    assert_eq!(shown(&app, &code).await, fresh_answer(&app, id).await);
    let before = cache(&app.db);
    assert_eq!(shown(&app, &code).await, fresh_answer(&app, id).await);
    if let (Some(b), Some(a)) = (before, cache(&app.db)) {
        assert_eq!((a.hits - b.hits, a.misses - b.misses), (1, 0), "a hit");
    }
    // This process's writes: each action, then at once a lookup, even
    // while the notifications are slow to come.
    for _ in 0..3 {
        let old = shown(&app, &code).await;
        sen_store::testing::hold_lookup_notifications(&app.db, true);
        extend(&app, id).await;
        let new = shown(&app, &code).await;
        assert_ne!(new, old);
        assert_eq!(new, fresh_answer(&app, id).await);
        assert_eq!(shown(&app, &code).await, new);
        sen_store::testing::hold_lookup_notifications(&app.db, false);
        // And held again once heard of.
        assert_eq!(shown(&app, &code).await, new);
        assert_eq!(shown(&app, &code).await, new);
    }
    if cache(&app.db).is_some() {
        // Once the last notification has come (it may come after the
        // hold ends), lookups are answered from memory again.
        let again = within(5, || async {
            let before = cache(&app.db).unwrap().hits;
            shown(&app, &code).await;
            cache(&app.db).unwrap().hits == before + 1
        })
        .await;
        assert!(again.is_some(), "held again");
    }
    // Another process rewrites the view.
    let other = sen_store::Db::connect(&t.url).await.unwrap();
    if pg {
        assert!(listening_within(&other, 10).await);
    }
    let real = sen_store::dossiers::public_by_code(&app.db, &code)
        .await
        .unwrap()
        .unwrap()
        .public_view
        .unwrap();
    let mut forged: PublicView = app.fold_dossier(id).await.unwrap();
    forged.status = "returned".into();
    let status = || async { shown(&app, &code).await["status"].clone() };
    let real_status = status().await;
    let returned = serde_json::json!("returned");
    let (forged, dossier) = (forged.to_json().unwrap(), (id, code.as_str()));
    assert_ne!(real_status, "returned");
    // Until its notification comes, what is held is shown (the bound of
    // another process's write); then the write.
    sen_store::testing::hold_lookup_notifications(&app.db, true);
    write_view(&other, id, &forged).await;
    if pg {
        assert_eq!(status().await, real_status);
    } else {
        // SQLite: the other connection's commit is seen by the next
        // lookup, from memory no more.
        let before = cache(&app.db).unwrap();
        assert_eq!(status().await, "returned");
        let after = cache(&app.db).unwrap();
        assert_eq!(after.misses, before.misses + 1, "read from the file");
    }
    sen_store::testing::hold_lookup_notifications(&app.db, false);
    let took = within(5, || async { status().await == "returned" }).await;
    assert!(took.is_some(), "another process's write shows");
    eprintln!("another process's write showed after {took:?}");
    assert_eq!(status().await, "returned", "and stays");
    let back = rewrite_then_shown(&other, &app, dossier, &real, &real_status, 5).await;
    assert!(back.is_some());
    if pg {
        // The listeners' connections are killed, and the view rewritten
        // at once, perhaps before the listener has noticed: no lookup
        // keeps showing what was there before.
        let admin = sen_store::Db::connect(&t.url).await.unwrap();
        let killed = sen_store::testing::kill_lookup_listeners(&admin).await;
        assert!(killed >= 2, "{killed} listeners killed");
        let shows = rewrite_then_shown(&other, &app, dossier, &forged, &returned, 10).await;
        assert!(shows.is_some());
        assert!(listening_within(&app.db, 10).await, "the listener is back");
        let back = rewrite_then_shown(&other, &app, dossier, &real, &real_status, 5).await;
        assert!(back.is_some());
        // A listener that hears nothing, as behind a proxy that loses
        // notifications, is found out by its pings within two periods
        // (10 s): its rows are dropped and nothing is held until it hears
        // again.
        let held = status().await;
        assert_eq!(status().await, held);
        sen_store::testing::deafen_lookup_listener(&app.db, true);
        let took = rewrite_then_shown(&other, &app, dossier, &forged, &returned, 15).await;
        assert!(took.is_some(), "a deaf listener is found out");
        eprintln!("a deaf listener was found out after {took:?}");
        assert_eq!(cache(&app.db).map(|c| c.listening), Some(false));
        sen_store::testing::deafen_lookup_listener(&app.db, false);
        assert!(
            listening_within(&app.db, 15).await,
            "it listens again once it hears"
        );
        let back = rewrite_then_shown(&other, &app, dossier, &real, &real_status, 5).await;
        assert!(back.is_some());
        // Closed: nothing is held any more.
        other.close().await;
        assert_eq!(cache(&other).map(|c| c.listening), Some(false));
        admin.close().await;
    }
    assert_eq!(shown(&app, &code).await, fresh_answer(&app, id).await);
}

/// Whether a read through `db` is answered from memory within 5 s (once
/// the notifications of earlier changes have come).
async fn reference_held<F, Fut>(db: &sen_store::Db, mut read: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let hits = || db.lookup_cache().map_or(0, |c| c.reference_hits);
    within(5, || {
        let before = hits();
        let read = read();
        async move {
            read.await;
            hits() > before
        }
    })
    .await
    .is_some()
}

/// Units, procedures and calendar decisions are held in memory on
/// PostgreSQL, with the lookups' listener (an intake reads four of them).
/// A change made here shows in the next read, even while notifications
/// are slow; one made by another process shows once its notification
/// comes, and not before. On SQLite both show at once (the data_version).
#[tokio::test]
async fn reference_data_changed_here_shows_at_once_and_from_elsewhere_soon() {
    let t = TestDb::new().await;
    let (app, tenant) = demo_at_9(&t).await;
    let pg = t.db.backend() == sen_store::Backend::Postgres;
    let other = App::new(
        sen_store::Db::connect(&t.url).await.unwrap(),
        sen_app::Settings::default(),
    );
    assert!(listening_within(&app.db, 10).await);
    assert!(listening_within(&other.db, 10).await);
    let hold = |on| sen_store::testing::hold_lookup_notifications(&app.db, on);
    let units = sen_store::org::units(&app.db, tenant, None).await.unwrap();
    let unit = units
        .iter()
        .find(|u| u.parent_id.is_some())
        .unwrap()
        .clone();
    let name_of = || {
        let (db, code) = (app.db.clone(), unit.code.clone());
        async move {
            sen_store::org::unit_by_code(&db, tenant, &code)
                .await
                .unwrap()
                .map(|u| u.name)
                .unwrap()
        }
    };
    let rename = |app: &App, name: &str| {
        let change = sen_app::org::UnitChange {
            name: Some(name.into()),
            abbreviation: None,
            code: None,
        };
        let (app, id) = (app.clone(), unit.id);
        async move { app.change_unit(&Actor::Operator, id, change).await.unwrap() }
    };
    assert_eq!(name_of().await, unit.name);
    assert!(
        reference_held(&app.db, || async {
            name_of().await;
        })
        .await
    );
    // Renamed here, notifications held back: the next read shows it.
    hold(true);
    rename(&app, "Phòng Thử nghiệm Một").await;
    assert_eq!(name_of().await, "Phòng Thử nghiệm Một");
    hold(false);
    assert!(
        reference_held(&app.db, || async {
            name_of().await;
        })
        .await
    );
    // Renamed by another process: what is held shows until the
    // notification comes, then the change.
    hold(true);
    rename(&other, "Phòng Thử nghiệm Hai").await;
    if pg {
        assert_eq!(name_of().await, "Phòng Thử nghiệm Một");
    }
    hold(false);
    let took = within(5, || async {
        name_of().await == "Phòng Thử nghiệm Hai"
    })
    .await;
    assert!(took.is_some(), "another process's rename shows");
    // A new version of a procedure published elsewhere.
    let current = |app: &App| {
        let app = app.clone();
        async move { app.procedure(tenant, "1.001193").await.unwrap() }
    };
    let before = current(&app).await;
    assert!(
        reference_held(&app.db, || async {
            current(&app).await;
        })
        .await
    );
    let mut spec = before.spec.clone();
    spec.name = format!("{} (sửa đổi)", spec.name);
    hold(true);
    let published = other
        .publish_procedure(&Actor::Operator, tenant, spec)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(published.version, before.version + 1);
    if pg {
        assert_eq!(current(&app).await.version, before.version);
    }
    hold(false);
    let took = within(5, || async {
        current(&app).await.version == published.version
    })
    .await;
    assert!(took.is_some(), "the new version shows");
    // A day off decided elsewhere: Tuesday 10 March 2026.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    let works = |app: &App| {
        let app = app.clone();
        async move { app.calendar(tenant).await.unwrap().is_working_day(day) }
    };
    assert!(works(&app).await);
    assert!(
        reference_held(&app.db, || async {
            works(&app).await;
        })
        .await
    );
    hold(true);
    other
        .add_calendar_decision(
            &Actor::Operator,
            tenant,
            sen_calendar::Decision::DayOff {
                date: day,
                name: "Nghỉ thử nghiệm".into(),
            },
            "Quyết định số 01/QĐ-UBND (thử nghiệm)",
        )
        .await
        .unwrap();
    if pg {
        assert!(works(&app).await, "held until heard of");
    }
    hold(false);
    let took = within(5, || async { !works(&app).await }).await;
    assert!(took.is_some(), "the day off shows");
    // And a change here to the calendar shows at once.
    hold(true);
    let id = app.calendar_decisions(tenant).await.unwrap();
    let id = id.iter().find(|d| d.decision.date() == day).unwrap().id;
    app.remove_calendar_decision(&Actor::Operator, tenant, id)
        .await
        .unwrap();
    assert!(works(&app).await);
    hold(false);
    other.db.close().await;
}
