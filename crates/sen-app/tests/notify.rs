//! Notices reach the applicant through real protocol peers on loopback: an
//! SMSC (smpp34's server) and an SMTP server (Python's aiosmtpd), also when
//! the peers were down for a while.

#[allow(dead_code, unused_imports)]
#[path = "../../sen-notify/tests/peers/mod.rs"]
mod peers;

use chrono::{DateTime, TimeZone, Utc};
use peers::{reassemble, wait_until, Smsc, SmtpSink};
use sen_app::dossiers::{Applicant, Intake};
use sen_app::notify::OutboxQueue;
use sen_app::{Actor, App};
use sen_domain::dossier::Action;
use sen_notify::{
    smpp::SmppChannel, smpp::SmppConfig, smtp::SmtpChannel, smtp::SmtpConfig, ChannelKind,
    Dispatcher,
};
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

#[tokio::test]
async fn notices_reach_sms_and_email_peers_even_after_an_outage() {
    let t = TestDb::new().await;
    let clock = Arc::new(Mutex::new(vn(2026, 3, 2, 9, 0)));
    let c = clock.clone();
    let app = App::new(t.db.clone(), sen_app::Settings::default())
        .with_clock(Arc::new(move || *c.lock().unwrap()));
    app.load_demo().await.unwrap();
    let tenant = app.public_overview().await.unwrap().0.unwrap().id;

    // Both peers are down to begin with: nothing listens on their ports.
    let mut smsc = Smsc::new("sen", "mk-smpp");
    let mut smtp = SmtpSink::new();
    let mut sms_cfg = SmppConfig::new("127.0.0.1", smsc.port, "sen", "mk-smpp");
    sms_cfg.connect_timeout = std::time::Duration::from_secs(2);
    let dispatcher = Dispatcher::new(Arc::new(OutboxQueue::new(app.clone())))
        .with_channel(
            ChannelKind::Sms,
            Arc::new(SmppChannel::new(sms_cfg).unwrap()),
        )
        .with_channel(
            ChannelKind::Email,
            Arc::new(
                SmtpChannel::new(SmtpConfig::new(
                    "127.0.0.1",
                    smtp.port,
                    "mot-cua@senhong.example.vn",
                ))
                .unwrap(),
            ),
        );

    // The OTP of an earlier sign-in request is already waiting: drain it later too.
    let desk = staff(&app, "motcua").await;
    let intake = Intake {
        procedure_code: "1.001193".into(),
        applicant: Applicant {
            name: "Nguyễn Thị Hà".into(),
            phone: Some("0912345678".into()),
            email: Some("ha.nguyen@example.vn".into()),
            id_number: None,
            address: None,
        },
        receiving_unit_id: None,
    };
    let d = app.receive_at_counter(&desk, tenant, intake).await.unwrap();
    let code = d.row.code.clone();

    let r = dispatcher.run_once().await.unwrap();
    assert_eq!((r.claimed, r.sent, r.transient), (2, 0, 2), "{r:?}");
    // Not due again yet: the backoff holds them.
    assert_eq!(dispatcher.run_once().await.unwrap().claimed, 0);

    // The peers come up; a minute later the retry delivers both, once.
    smsc.start().await;
    smtp.start().await;
    *clock.lock().unwrap() = vn(2026, 3, 2, 9, 2);
    let r = dispatcher.run_once().await.unwrap();
    assert_eq!((r.claimed, r.sent), (2, 2), "{r:?}");
    wait_until("the SMS arrives", || !smsc.submits().is_empty()).await;
    wait_until("the e-mail arrives", || !smtp.messages().is_empty()).await;
    let texts = reassemble(&smsc.submits());
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].contains(&code) && texts[0].contains("đã được tiếp nhận"),
        "{}",
        texts[0]
    );
    let mail = &smtp.messages()[0];
    assert!(mail.to_string().contains(&code), "{mail}");
    assert!(mail.to_string().contains("Hẹn trả kết quả"), "{mail}");
    assert_eq!(
        dispatcher.run_once().await.unwrap().claimed,
        0,
        "nothing sent twice"
    );

    // The SMTP server goes down while the dossier is approved; the
    // result-ready notice waits and arrives after the restart.
    smtp.stop().await;
    let justice = staff(&app, "chuyenvien").await;
    let leader = staff(&app, "lanhdao").await;
    app.act(
        &desk,
        d.row.id,
        Action::HandOff {
            to_step: "xu_ly".into(),
        },
    )
    .await
    .unwrap();
    app.act(&justice, d.row.id, Action::ProposeResult)
        .await
        .unwrap();
    app.act(
        &justice,
        d.row.id,
        Action::HandOff {
            to_step: "phe_duyet".into(),
        },
    )
    .await
    .unwrap();
    app.act(&leader, d.row.id, Action::ApproveResult)
        .await
        .unwrap();
    let r = dispatcher.run_once().await.unwrap();
    assert_eq!((r.claimed, r.sent, r.transient), (2, 1, 1), "{r:?}");
    wait_until("the result-ready SMS arrives", || {
        reassemble(&smsc.submits()).len() == 2
    })
    .await;
    smtp.start().await;
    *clock.lock().unwrap() = vn(2026, 3, 2, 9, 10);
    let r = dispatcher.run_once().await.unwrap();
    assert_eq!((r.claimed, r.sent), (1, 1), "{r:?}");
    wait_until("the result-ready e-mail arrives", || {
        smtp.messages().len() == 2
    })
    .await;
    assert!(smtp.messages()[1].to_string().contains("đã có kết quả"));
    assert_eq!(reassemble(&smsc.submits()).len(), 2, "no duplicate SMS");
    let pending = sen_store::outbox::count_pending(&app.db).await.unwrap();
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn tracuu_by_sms_over_smpp_gets_the_status_back() {
    let t = TestDb::new().await;
    let app = App::new(t.db.clone(), sen_app::Settings::default());
    app.load_demo().await.unwrap();
    let tenant = app.public_overview().await.unwrap().0.unwrap().id;
    let desk = staff(&app, "motcua").await;
    let intake = Intake {
        procedure_code: "1.001193".into(),
        applicant: Applicant {
            name: "Đỗ Văn Nam".into(),
            phone: Some("0912000111".into()),
            email: None,
            id_number: None,
            address: None,
        },
        receiving_unit_id: None,
    };
    let d = app.receive_at_counter(&desk, tenant, intake).await.unwrap();

    let smsc = Smsc::started("sen", "mk-smpp").await;
    let mut cfg = SmppConfig::new("127.0.0.1", smsc.port, "sen", "mk-smpp");
    cfg.source_addr = "8079".into();
    let responder = app.clone();
    let inbound = sen_notify::Inbound::new(cfg, move |_from: String, text: String| {
        let app = responder.clone();
        async move { Some(app.sms_reply(&text).await) }
    })
    .unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(inbound.run(async move {
        let _ = stop_rx.await;
    }));

    let citizen = "84912000111";
    let status = smsc
        .deliver(&peers::Mo::ucs2(
            citizen,
            "8079",
            &format!("Tra cứu {}", d.row.code),
        ))
        .await;
    assert_eq!(status, Ok(0));
    wait_until("the reply", || {
        !reassemble(&smsc.submits_to(citizen)).is_empty()
    })
    .await;
    let reply = reassemble(&smsc.submits_to(citizen)).join("");
    assert!(
        reply.contains(&d.row.code) && reply.contains("Đã tiếp nhận"),
        "{reply}"
    );
    let _ = stop_tx.send(());
    running.await.unwrap();
}
