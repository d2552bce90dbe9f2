//! The synthetic province (`sen demo --scale N`): its dossiers and events
//! are what the one-stop shop would have written.

use chrono::{TimeZone, Utc};
use sen_app::monitoring::Period;
use sen_app::scale::ScaleOptions;
use sen_app::{Actor, App};
use sen_store::testing::TestDb;
use std::sync::Arc;

#[tokio::test]
async fn a_small_scale_province_verifies_and_matches_its_recount() {
    let t = TestDb::new().await;
    let now = sen_domain::vi::vn_offset()
        .with_ymd_and_hms(2026, 3, 10, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let app =
        App::new(t.db.clone(), sen_app::Settings::default()).with_clock(Arc::new(move || now));
    let opts = ScaleOptions {
        dossiers: 3_000,
        years: 1,
        seed: 7,
        batch: 700,
    };
    let mut calls = 0;
    let out = app.load_scale(&opts, |_, _| calls += 1).await.unwrap();
    assert_eq!(out.dossiers, 3_000);
    assert!(calls >= 4, "several batches");
    assert!(out.units > 60 && out.procedures > 400, "{out:?}");
    assert!(out.events > 5 * out.dossiers, "{out:?}");
    // The chain verifies, with every event in it.
    let v = sen_store::events::verify(&app.db).await.unwrap();
    assert!(v.tamper.is_none() && v.head_matches, "{v:?}");
    assert_eq!(
        v.checked as i64,
        sen_store::events::count(&app.db).await.unwrap()
    );
    // The counters equal the recount from the dossiers and events.
    let stored = sen_store::monitoring::stored_rows(&app.db, false)
        .await
        .unwrap();
    let recount = sen_store::monitoring::recount(&app.db).await.unwrap();
    assert_eq!(stored, recount);
    // A realistic mix, with recent dossiers still open and some overdue.
    let report = app
        .monitoring_province(
            &Actor::Operator,
            out.tenant,
            Period::new(
                chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let f = report.figures;
    assert_eq!(f.submitted, 3_000);
    let late = f.finished_late as f64 / f.finished() as f64;
    assert!((0.03..0.2).contains(&late), "late share {late}: {f:?}");
    assert!(
        f.received_online > 300 && f.rated > 300 && f.supplement_requests > 50,
        "{f:?}"
    );
    assert!(
        f.open() > 0 && f.overdue_now > 0 && f.withdrawn > 0 && f.rejected_at_intake > 0,
        "{f:?}"
    );
    assert!(report.units.len() > 60);
    // The public lookup folds the events of a generated dossier, and the
    // one-stop shop can go on acting on an open one.
    let rows = sen_store::dossiers::list(
        &app.db,
        out.tenant,
        &sen_store::dossiers::DossierFilter {
            statuses: vec!["in_process".into()],
            limit: 5,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let open = &rows[0];
    let public = app.public_lookup(&open.code, None).await.unwrap();
    assert_eq!(public.status, "in_process");
    assert_eq!(public.due, open.due_at);
    assert!(public.timeline.len() >= 3);
    let d = app
        .act(
            &Actor::Operator,
            open.id,
            sen_domain::dossier::Action::ProposeResult,
        )
        .await
        .unwrap();
    assert_eq!(d.row.status, "awaiting_approval");
    // A new dossier today continues the agency's numbering without a clash,
    // and the counters still equal the recount afterwards.
    assert_eq!(
        sen_store::monitoring::stored_rows(&app.db, false)
            .await
            .unwrap(),
        sen_store::monitoring::recount(&app.db).await.unwrap()
    );
    // Loading again adds dossiers to the same province.
    let again = app
        .load_scale(
            &ScaleOptions {
                dossiers: 200,
                ..opts
            },
            |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(again.tenant, out.tenant);
    assert_eq!(
        sen_store::scale::count_dossiers(&app.db, out.tenant)
            .await
            .unwrap(),
        3_200
    );
    let v = sen_store::events::verify(&app.db).await.unwrap();
    assert!(v.tamper.is_none() && v.head_matches);
}
