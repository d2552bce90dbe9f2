//! A citizen answers a request for a supplement online, on the backend under
//! test: the files are checked and attached, the dossier resumes, and its
//! legal clock moves by exactly the working days it waited.

use chrono::{DateTime, TimeZone, Utc};
use sen_app::dossiers::Applicant;
use sen_app::{Actor, App, AppError};
use sen_domain::dossier::Action;
use sen_store::testing::TestDb;
use std::sync::{Arc, Mutex};

fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    sen_domain::vi::vn_offset()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

async fn staff(app: &App, username: &str) -> Actor {
    let a = app.account_by_username(username).await.unwrap();
    Actor::Staff {
        id: a.id,
        tenant_id: a.tenant_id,
        username: a.username.clone(),
        grants: sen_store::accounts::grants(&app.db, a.id).await.unwrap(),
    }
}

/// Signs a citizen in with the one-time code read from the outbox.
async fn citizen(app: &App, phone: &str) -> Actor {
    app.citizen_request_code(phone).await.unwrap();
    let msg = sen_store::outbox::recent(&app.db, 20)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == phone)
        .unwrap();
    let code: String = msg
        .body
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    let s = app.citizen_verify_code(phone, &code).await.unwrap();
    app.actor_for_token(&s.token).await.unwrap().unwrap().0
}

#[tokio::test]
async fn the_applicant_supplements_online_and_the_clock_resumes() {
    let t = TestDb::new().await;
    let clock = Arc::new(Mutex::new(vn(2026, 3, 2, 9, 0)));
    let c = clock.clone();
    let app = App::new(t.db.clone(), sen_app::Settings::default())
        .with_clock(Arc::new(move || *c.lock().unwrap()));
    app.load_demo().await.unwrap();
    let tenant = app.public_overview().await.unwrap().0.unwrap().id;
    let desk = staff(&app, "motcua").await;
    let justice = staff(&app, "chuyenvien").await;
    let ha = citizen(&app, "0912345678").await;
    let other = citizen(&app, "0987000111").await;

    let d = app
        .submit_online(
            &ha,
            tenant,
            "1.001193",
            Applicant {
                name: "Nguyễn Thị Hà".into(),
                phone: Some("0912345678".into()),
                email: None,
                id_number: None,
                address: None,
            },
        )
        .await
        .unwrap();
    let id = d.row.id;
    let pdf = |text: &str| format!("%PDF-1.4\n% {text}\n").into_bytes();
    // Not waiting for anything yet: no supplement.
    assert!(matches!(
        app.submit_supplement(&ha, id, vec![("a.pdf".into(), pdf("a"))])
            .await,
        Err(AppError::Conflict { .. })
    ));
    app.act(&desk, id, Action::Receive).await.unwrap();
    app.act(
        &desk,
        id,
        Action::HandOff {
            to_step: "xu_ly".into(),
        },
    )
    .await
    .unwrap();
    // 2 working days from Monday 09:00.
    let d = app.dossier(&desk, id).await.unwrap();
    assert_eq!(d.row.due_at.as_deref(), Some("2026-03-04T09:00"));
    // Tuesday: the specialist asks for the ID card.
    *clock.lock().unwrap() = vn(2026, 3, 3, 10, 0);
    app.act(
        &justice,
        id,
        Action::RequestSupplement {
            reason: "Thiếu bản chụp CCCD".into(),
            missing: vec!["Bản chụp Căn cước công dân".into()],
        },
    )
    .await
    .unwrap();
    // The applicant sees what was asked, from the event.
    let h = app.dossier_history(&ha, id).await.unwrap();
    let asked = h
        .timeline
        .iter()
        .rev()
        .find(|e| e.action == "request_supplement")
        .and_then(|e| e.detail.clone())
        .unwrap();
    assert_eq!(asked["reason"], "Thiếu bản chụp CCCD");
    assert_eq!(asked["missing"][0], "Bản chụp Căn cước công dân");

    // Thursday: nothing chosen, a bad file, someone else: refused, nothing kept.
    *clock.lock().unwrap() = vn(2026, 3, 5, 10, 0);
    assert!(matches!(
        app.submit_supplement(&ha, id, vec![]).await,
        Err(AppError::Invalid(ref i)) if i.field == "files"
    ));
    assert!(matches!(
        app.submit_supplement(
            &ha,
            id,
            vec![
                ("cccd.pdf".into(), pdf("cccd")),
                ("cccd.exe".into(), b"MZ\x90\x00".to_vec())
            ]
        )
        .await,
        Err(AppError::Invalid(_))
    ));
    assert!(app
        .submit_supplement(&other, id, vec![("x.pdf".into(), pdf("x"))])
        .await
        .is_err());
    assert!(app.attachments(&desk, id).await.unwrap().is_empty());
    assert_eq!(
        app.dossier(&desk, id).await.unwrap().row.status,
        "waiting_supplement"
    );

    let d = app
        .submit_supplement(&ha, id, vec![("Bản chụp CCCD.pdf".into(), pdf("cccd"))])
        .await
        .unwrap();
    assert_eq!(d.row.status, "in_process");
    // Paused Wednesday and Thursday (the request's day still counted):
    // 2 working days later than before.
    assert_eq!(d.row.due_at.as_deref(), Some("2026-03-06T09:00"));
    let files = app.attachments(&justice, id).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, "Bản chụp CCCD.pdf");
    assert!(files[0].uploaded_by.starts_with("citizen:"));
    // The officer continues from there.
    app.act(&justice, id, Action::ProposeResult).await.unwrap();
    // And the applicant cannot supplement again.
    assert!(app
        .submit_supplement(&ha, id, vec![("b.pdf".into(), pdf("b"))])
        .await
        .is_err());
}
