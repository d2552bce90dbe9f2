//! The one-stop shop end to end, on the backend under test.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sen_app::dossiers::{Applicant, Intake};
use sen_app::{Actor, App};
use sen_domain::dossier::Action;
use sen_store::testing::TestDb;
use std::sync::{Arc, Mutex};

struct World {
    app: App,
    tenant: uuid::Uuid,
    clock: Arc<Mutex<DateTime<Utc>>>,
    _t: TestDb,
}

/// A Vietnam wall-clock time as UTC.
fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    sen_domain::vi::vn_offset()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

async fn world() -> World {
    let t = TestDb::new().await;
    let clock = Arc::new(Mutex::new(vn(2026, 3, 2, 9, 0)));
    let c = clock.clone();
    let app = App::new(t.db.clone(), sen_app::Settings::default())
        .with_clock(Arc::new(move || *c.lock().unwrap()));
    app.load_demo().await.unwrap();
    let tenant = app.public_overview().await.unwrap().0.unwrap().id;
    World {
        app,
        tenant,
        clock,
        _t: t,
    }
}

impl World {
    fn at(&self, t: DateTime<Utc>) {
        *self.clock.lock().unwrap() = t;
    }

    async fn staff(&self, username: &str) -> Actor {
        let a = self.app.account_by_username(username).await.unwrap();
        Actor::Staff {
            id: a.id,
            tenant_id: a.tenant_id,
            username: a.username.clone(),
            grants: sen_store::accounts::grants(&self.app.db, a.id)
                .await
                .unwrap(),
        }
    }
}

fn applicant() -> Applicant {
    Applicant {
        name: "Nguyễn Thị Hà".into(),
        phone: Some("0912345678".into()),
        email: Some("ha.nguyen@example.vn".into()),
        id_number: Some("001190012345".into()),
        address: Some("Phường Tân An".into()),
    }
}

fn intake(code: &str) -> Intake {
    Intake {
        procedure_code: code.into(),
        applicant: applicant(),
        receiving_unit_id: None,
    }
}

#[tokio::test]
async fn a_counter_dossier_crosses_two_agencies_to_returned() {
    let w = world().await;
    let desk = w.staff("motcua").await;
    let justice = w.staff("chuyenvien").await;
    let police = w.staff("congan").await;
    let leader = w.staff("lanhdao").await;
    let other_leader = w.staff("lanhdaoxd").await;

    let d = w
        .app
        .receive_at_counter(&desk, w.tenant, intake("2.000488"))
        .await
        .unwrap();
    assert!(d.row.code.starts_with("H99.02-260302-"), "{}", d.row.code);
    assert_eq!(d.row.status, "received");
    // 10 working days from Monday 2 March 2026, 09:00.
    assert_eq!(d.row.due_at.as_deref(), Some("2026-03-16T09:00"));
    let id = d.row.id;

    // The police specialist cannot act while the dossier is at the desk.
    assert!(w
        .app
        .act(
            &police,
            id,
            Action::HandOff {
                to_step: "xac_minh".into()
            }
        )
        .await
        .is_err());
    w.at(vn(2026, 3, 2, 10, 0));
    let d = w
        .app
        .act(
            &desk,
            id,
            Action::HandOff {
                to_step: "tham_dinh".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (d.row.status.as_str(), d.step.as_deref()),
        ("in_process", Some("tham_dinh"))
    );
    // Skipping a step is refused by the process.
    assert!(w
        .app
        .act(
            &justice,
            id,
            Action::HandOff {
                to_step: "phe_duyet".into()
            }
        )
        .await
        .is_err());
    w.at(vn(2026, 3, 4, 15, 0));
    w.app
        .act(
            &justice,
            id,
            Action::HandOff {
                to_step: "xac_minh".into(),
            },
        )
        .await
        .unwrap();
    // Now at the other agency (inter-agency, liên thông).
    let d = w.app.dossier(&police, id).await.unwrap();
    assert_eq!(
        d.row.current_unit_id,
        sen_store::org::unit_by_code(&w.app.db, w.tenant, "H99.06")
            .await
            .unwrap()
            .unwrap()
            .id
    );
    w.at(vn(2026, 3, 9, 11, 0));
    w.app
        .act(
            &police,
            id,
            Action::HandOff {
                to_step: "du_thao".into(),
            },
        )
        .await
        .unwrap();
    w.at(vn(2026, 3, 10, 9, 0));
    let d = w
        .app
        .act(&justice, id, Action::ProposeResult)
        .await
        .unwrap();
    assert_eq!(d.row.status, "awaiting_approval");
    w.app
        .act(
            &justice,
            id,
            Action::HandOff {
                to_step: "phe_duyet".into(),
            },
        )
        .await
        .unwrap();
    // A leader of another department may not approve.
    assert!(w
        .app
        .act(&other_leader, id, Action::ApproveResult)
        .await
        .is_err());
    w.at(vn(2026, 3, 11, 16, 0));
    let d = w.app.act(&leader, id, Action::ApproveResult).await.unwrap();
    assert_eq!(
        (d.row.status.as_str(), d.row.timeliness.as_deref()),
        ("result_ready", Some("early"))
    );
    assert_eq!(
        d.row.current_unit_id, d.row.receiving_unit_id,
        "the result goes back to the desk"
    );
    w.at(vn(2026, 3, 12, 8, 0));
    let d = w.app.act(&desk, id, Action::Return).await.unwrap();
    assert_eq!(d.row.status, "returned");
    assert!(
        w.app.act(&desk, id, Action::Return).await.is_err(),
        "returned twice"
    );

    // Each step's own deadline, for the control slip (Form 06).
    let evs = sen_store::events::list(
        &w.app.db,
        &sen_store::events::EventFilter {
            object_id: Some(id.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let results: Vec<(String, String)> = evs
        .iter()
        .filter_map(|e| {
            let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
            let r = &p["step_result"];
            r.is_object().then(|| {
                (
                    r["step"].as_str().unwrap().to_string(),
                    r["timeliness"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    let expect = [
        ("tiep_nhan", "on_time"),
        ("tham_dinh", "early"),
        ("xac_minh", "early"),
        ("du_thao", "on_time"),
        ("phe_duyet", "late"),
    ];
    assert_eq!(
        results,
        expect.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
    );

    // The public lookup tells the whole story, from the event log.
    let p = w.app.public_lookup(&d.row.code, None).await.unwrap();
    let statuses: Vec<&str> = p.timeline.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(
        statuses,
        [
            "submitted",
            "received",
            "in_process",
            "in_process",
            "in_process",
            "awaiting_approval",
            "awaiting_approval",
            "result_ready",
            "returned"
        ]
    );
    assert_eq!(p.status, "returned");
    assert_eq!(p.status_label, "Đã trả kết quả");
    assert_eq!(p.timeliness.as_deref(), Some("early"));
    assert!(
        !p.verified && p.applicant_name.is_none(),
        "personal data without proof"
    );
    let p = w
        .app
        .public_lookup(&d.row.code, Some("5678"))
        .await
        .unwrap();
    assert_eq!(p.applicant_name.as_deref(), Some("Nguyễn Thị Hà"));
    assert!(w
        .app
        .public_lookup(&d.row.code, Some("0000"))
        .await
        .unwrap()
        .applicant_name
        .is_none());

    // Receipt and result-ready notices wait in the outbox, by SMS and e-mail.
    let msgs = sen_store::outbox::recent(&w.app.db, 50).await.unwrap();
    let to_applicant: Vec<_> = msgs
        .iter()
        .filter(|m| m.recipient == "0912345678" || m.recipient == "ha.nguyen@example.vn")
        .collect();
    assert_eq!(to_applicant.len(), 4, "{to_applicant:?}");
    assert!(to_applicant
        .iter()
        .any(|m| m.subject.contains("đã được tiếp nhận") && m.channel == "sms"));
    assert!(to_applicant
        .iter()
        .any(|m| m.subject.contains("đã có kết quả") && m.channel == "email"));

    // Rating once, by the applicant's desk.
    w.app
        .act(&desk, id, Action::Rate { score: 5 })
        .await
        .unwrap();
    assert!(w
        .app
        .act(&desk, id, Action::Rate { score: 4 })
        .await
        .is_err());

    // Public statistics count it for the Department of Justice.
    let stats = w.app.agency_statistics(w.tenant).await.unwrap();
    let stp = stats.iter().find(|s| s.code == "H99.02").unwrap();
    assert_eq!(
        (stp.received, stp.finished, stp.on_time, stp.late, stp.open),
        (1, 1, 1, 0, 0)
    );
    assert_eq!(stp.on_time_rate, Some(100.0));

    // The SMS channel answers the same.
    let reply = w.app.sms_reply(&format!("tracuu {}", d.row.code)).await;
    assert!(reply.contains("Đã trả kết quả"), "{reply}");
    let reply = w.app.sms_reply("Tra cứu H99.02-000000-9999").await;
    assert!(reply.contains("Không tìm thấy"), "{reply}");
    assert!(w.app.sms_reply("hello").await.contains("TRACUU"));
    let v = w.app.verify_log(&Actor::Operator).await.unwrap();
    assert!(v.tamper.is_none() && v.head_matches);
}

#[tokio::test]
async fn a_supplement_pauses_the_clock_by_exactly_the_paused_working_days() {
    let w = world().await;
    let desk = w.staff("motcua").await;
    let justice = w.staff("chuyenvien").await;
    let d = w
        .app
        .receive_at_counter(&desk, w.tenant, intake("2.000488"))
        .await
        .unwrap();
    let id = d.row.id;
    assert_eq!(d.row.due_at.as_deref(), Some("2026-03-16T09:00"));
    w.app
        .act(
            &desk,
            id,
            Action::HandOff {
                to_step: "tham_dinh".into(),
            },
        )
        .await
        .unwrap();
    // Wednesday 4 March: ask for a supplement.
    w.at(vn(2026, 3, 4, 10, 0));
    let d = w
        .app
        .act(
            &justice,
            id,
            Action::RequestSupplement {
                reason: "Thiếu bản chụp CCCD".into(),
                missing: vec!["Bản chụp Căn cước công dân".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(d.row.status, "waiting_supplement");
    // Tuesday 10 March: the applicant brings it to the desk.
    w.at(vn(2026, 3, 10, 10, 0));
    let d = w.app.act(&desk, id, Action::Supplement).await.unwrap();
    assert_eq!(d.row.status, "in_process");
    // Paused from Thu 5 to Tue 10 March inclusive: 4 working days.
    let cal = w.app.calendar(w.tenant).await.unwrap();
    let hours = sen_calendar::OfficeHours::default();
    let from = NaiveDate::from_ymd_opt(2026, 3, 4)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 3, 10)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    assert_eq!(cal.paused_working_days(from, to, &hours).unwrap(), 4);
    let original = NaiveDate::from_ymd_opt(2026, 3, 16)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let expected = cal.add_working_days(original, 4, &hours).unwrap();
    assert_eq!(
        d.row.due_at.as_deref(),
        Some(expected.format("%Y-%m-%dT%H:%M").to_string().as_str())
    );
    assert_eq!(d.row.due_at.as_deref(), Some("2026-03-20T09:00"));
    // The public sees the supplement request with its reason when verified.
    let p = w
        .app
        .public_lookup(&d.row.code, Some("001190012345"))
        .await
        .unwrap();
    let req = p
        .timeline
        .iter()
        .find(|e| e.action == "request_supplement")
        .unwrap();
    assert_eq!(req.status, "waiting_supplement");
    assert!(req.detail.as_ref().unwrap()["reason"]
        .as_str()
        .unwrap()
        .contains("CCCD"));
    assert_eq!(p.due.as_deref(), Some("2026-03-20T09:00"));
}

#[tokio::test]
async fn online_submission_extension_and_deadline_watch() {
    let w = world().await;
    let desk = w.staff("motcua").await;
    let justice = w.staff("chuyenvien").await;
    let leader = w.staff("lanhdao").await;
    let citizen = w
        .app
        .citizen_request_code("0987654321")
        .await
        .map(|_| ())
        .unwrap();
    let _ = citizen;
    let msg = sen_store::outbox::recent(&w.app.db, 1)
        .await
        .unwrap()
        .remove(0);
    let code: String = msg
        .body
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    let s = w
        .app
        .citizen_verify_code("0987654321", &code)
        .await
        .unwrap();
    let (citizen, _) = w.app.actor_for_token(&s.token).await.unwrap().unwrap();

    // A procedure not offered online is refused; a full-online one is submitted.
    let mut a = applicant();
    a.phone = Some("0987654321".into());
    assert!(w
        .app
        .submit_online(&citizen, w.tenant, "9.999999", a.clone())
        .await
        .is_err());
    let d = w
        .app
        .submit_online(&citizen, w.tenant, "1.001193", a.clone())
        .await
        .unwrap();
    assert_eq!(
        (d.row.status.as_str(), d.row.channel.as_str()),
        ("submitted", "online")
    );
    let id = d.row.id;
    // Citizens see their own dossiers only and cannot act as staff.
    assert_eq!(
        w.app
            .dossiers(&citizen, w.tenant, vec![])
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(w.app.act(&citizen, id, Action::Receive).await.is_err());

    let d = w.app.act(&desk, id, Action::Receive).await.unwrap();
    // 2 working days from Monday 09:00.
    assert_eq!(d.row.due_at.as_deref(), Some("2026-03-04T09:00"));
    w.app
        .act(
            &desk,
            id,
            Action::HandOff {
                to_step: "xu_ly".into(),
            },
        )
        .await
        .unwrap();

    // On the due day the leaders are warned once; the day after, once more.
    w.at(vn(2026, 3, 4, 8, 0));
    let r = w.app.scan_deadlines().await.unwrap();
    assert_eq!((r.due_today.len(), r.overdue.len()), (1, 0));
    assert_eq!(w.app.scan_deadlines().await.unwrap(), Default::default());
    w.at(vn(2026, 3, 5, 8, 0));
    let r = w.app.scan_deadlines().await.unwrap();
    assert_eq!((r.due_today.len(), r.overdue.len()), (0, 1));
    let warn = sen_store::outbox::recent(&w.app.db, 5).await.unwrap();
    assert!(
        warn.iter()
            .any(|m| m.recipient == "lanhdao@senhong.example.vn" && m.subject.contains("quá hạn")),
        "{warn:?}"
    );

    // The leader extends with an apology (Form 04): a new due time, later only.
    let bad = Action::Extend {
        new_due: NaiveDate::from_ymd_opt(2026, 3, 3)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
        approved_by: uuid::Uuid::nil(),
        reason: "x".into(),
    };
    assert!(w.app.act(&leader, id, bad).await.is_err());
    assert!(
        w.app
            .act(
                &justice,
                id,
                Action::Extend {
                    new_due: NaiveDate::from_ymd_opt(2026, 3, 9)
                        .unwrap()
                        .and_hms_opt(9, 0, 0)
                        .unwrap(),
                    approved_by: uuid::Uuid::nil(),
                    reason: "x".into()
                }
            )
            .await
            .is_err(),
        "a specialist cannot extend"
    );
    let d = w
        .app
        .act(
            &leader,
            id,
            Action::Extend {
                new_due: NaiveDate::from_ymd_opt(2026, 3, 9)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
                approved_by: uuid::Uuid::nil(),
                reason: "Chờ xác minh của cơ quan khác".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(d.row.due_at.as_deref(), Some("2026-03-09T09:00"));
    let ev = sen_store::events::list(
        &w.app.db,
        &sen_store::events::EventFilter {
            object_id: Some(id.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ext = ev.iter().find(|e| e.action == "dossier.extend").unwrap();
    let leader_id = match &leader {
        Actor::Staff { id, .. } => *id,
        _ => unreachable!(),
    };
    assert!(
        ext.payload.contains(&leader_id.to_string()),
        "who approved the extension is recorded: {}",
        ext.payload
    );
    assert!(
        ext.payload.contains("\"04\""),
        "Form 04 is produced: {}",
        ext.payload
    );
    // The applicant is told, with the apology.
    let msgs = sen_store::outbox::recent(&w.app.db, 3).await.unwrap();
    assert!(msgs
        .iter()
        .any(|m| m.recipient == "0987654321" && m.body.contains("Xin lỗi")));
}

/// Concurrent intakes are written in groups (group commit): each still
/// gets its own gap-free code, both events on the chain, its public view
/// and its receipt, and what it is told is what was committed.
#[tokio::test]
async fn concurrent_intakes_get_distinct_gap_free_codes() {
    let w = world().await;
    let desk = w.staff("motcua").await;
    let pending_before = sen_store::outbox::count_pending(&w.app.db).await.unwrap();
    let n = 1000;
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (app, desk, tenant) = (w.app.clone(), desk.clone(), w.tenant);
        tasks.push(tokio::spawn(async move {
            app.receive_at_counter(&desk, tenant, intake("1.001193"))
                .await
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        let d = t.await.unwrap().expect("intake");
        if codes.len() % 50 == 0 {
            let stored = w.app.dossier_by_id(d.row.id).await.unwrap();
            assert_eq!(stored.row, d.row, "the intake returns the row as committed");
        }
        codes.push(d.row.code);
    }
    // The chain holds both events of every intake, unbroken.
    let v = sen_store::events::verify(&w.app.db).await.unwrap();
    assert!(v.tamper.is_none() && v.head_matches, "{v:?}");
    let events = sen_store::events::count(&w.app.db).await.unwrap();
    assert!(events >= 2 * n as i64, "{events} events");
    // Every view is stored and equals a fresh fold of the events.
    let check = w.app.check_public_views().await.unwrap();
    assert!(
        check.mismatched.is_empty() && check.missing == 0,
        "{check:?}"
    );
    assert!(check.checked >= n as u64, "{check:?}");
    // One receipt by SMS and one by e-mail each.
    let pending = sen_store::outbox::count_pending(&w.app.db).await.unwrap();
    assert_eq!(pending - pending_before, 2 * n as i64);
    let distinct: std::collections::HashSet<_> = codes.iter().cloned().collect();
    assert_eq!(distinct.len(), n, "duplicate dossier codes");
    let mut seqs: Vec<u32> = codes
        .iter()
        .map(|c| c.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=n as u32).collect::<Vec<_>>(),
        "the sequence has gaps"
    );
}

/// The text of a PDF as poppler's pdftotext reads it.
fn pdf_text(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("sen-form-{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success());
    // Words as read, with line breaks and columns collapsed to single spaces.
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn the_forms_say_what_the_event_log_says() {
    let w = world().await;
    let desk = w.staff("motcua").await;
    let justice = w.staff("chuyenvien").await;
    let police = w.staff("congan").await;
    let leader = w.staff("lanhdao").await;
    let d = w
        .app
        .receive_at_counter(&desk, w.tenant, intake("2.000488"))
        .await
        .unwrap();
    let id = d.row.id;
    let code = d.row.code.clone();
    let forms: Vec<&str> = w
        .app
        .dossier_forms(&desk, id)
        .await
        .unwrap()
        .iter()
        .map(|f| f.number)
        .collect();
    assert_eq!(forms, ["01", "06"]);
    let receipt = pdf_text(&w.app.dossier_form_pdf(&desk, id, "01").await.unwrap());
    for needle in [
        code.as_str(),
        "Nguyễn Thị Hà",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        "Nguyễn Thị Một Cửa",
        "ngày 02 tháng 3 năm 2026",
        "16 tháng 3 năm 2026",
        "SỞ TƯ PHÁP",
    ] {
        assert!(
            receipt.contains(needle),
            "«{needle}» missing from the receipt:\n{receipt}"
        );
    }

    w.at(vn(2026, 3, 3, 9, 0));
    w.app
        .act(
            &desk,
            id,
            Action::HandOff {
                to_step: "tham_dinh".into(),
            },
        )
        .await
        .unwrap();
    w.app
        .act(
            &justice,
            id,
            Action::RequestSupplement {
                reason: "Bản chụp CCCD bị mờ".into(),
                missing: vec!["Bản chụp Căn cước công dân".into()],
            },
        )
        .await
        .unwrap();
    let f02 = pdf_text(&w.app.dossier_form_pdf(&justice, id, "02").await.unwrap());
    assert!(
        f02.contains("Bản chụp CCCD bị mờ") && f02.contains("Lê Văn Chuyên"),
        "{f02}"
    );
    w.at(vn(2026, 3, 4, 9, 0));
    w.app.act(&desk, id, Action::Supplement).await.unwrap();
    w.app
        .act(
            &justice,
            id,
            Action::HandOff {
                to_step: "xac_minh".into(),
            },
        )
        .await
        .unwrap();
    w.at(vn(2026, 3, 16, 9, 0));
    let new_due = NaiveDate::from_ymd_opt(2026, 3, 20)
        .unwrap()
        .and_hms_opt(16, 0, 0)
        .unwrap();
    w.app
        .act(
            &leader,
            id,
            Action::Extend {
                new_due,
                approved_by: uuid::Uuid::nil(),
                reason: "Chờ kết quả xác minh của Công an tỉnh".into(),
            },
        )
        .await
        .unwrap();
    let f04 = pdf_text(&w.app.dossier_form_pdf(&leader, id, "04").await.unwrap());
    for needle in [
        "Chờ kết quả xác minh của Công an tỉnh",
        "Phạm Minh Lãnh",
        "20 tháng 3 năm 2026",
    ] {
        assert!(
            f04.contains(needle),
            "«{needle}» missing from form 04:\n{f04}"
        );
    }
    w.app
        .act(
            &police,
            id,
            Action::HandOff {
                to_step: "du_thao".into(),
            },
        )
        .await
        .unwrap();
    let f06 = pdf_text(&w.app.dossier_form_pdf(&desk, id, "06").await.unwrap());
    for needle in [
        "Tiếp nhận hồ sơ",
        "Thẩm định, tra cứu lý lịch",
        "Đinh Văn Công",
        "Công an tỉnh",
        "Quá hạn",
    ] {
        assert!(
            f06.contains(needle),
            "«{needle}» missing from form 06:\n{f06}"
        );
    }
    // A form the dossier does not have is a clear 404, not an empty PDF.
    assert!(matches!(
        w.app.dossier_form_pdf(&desk, id, "05").await,
        Err(sen_app::AppError::NotFound { .. })
    ));
    // Someone from another department cannot read the forms.
    let other = w.staff("chuyenvienxd").await;
    assert!(w.app.dossier_form_pdf(&other, id, "01").await.is_err());
}

#[tokio::test]
async fn refusal_stop_and_the_register() {
    let w = world().await;
    let desk = w.staff("motcua").await;
    let justice = w.staff("chuyenvien").await;
    let leader = w.staff("lanhdao").await;
    let a = w
        .app
        .receive_at_counter(&desk, w.tenant, intake("1.001193"))
        .await
        .unwrap();
    let b = w
        .app
        .receive_at_counter(&desk, w.tenant, intake("1.001193"))
        .await
        .unwrap();
    w.app
        .act(
            &desk,
            a.row.id,
            Action::HandOff {
                to_step: "xu_ly".into(),
            },
        )
        .await
        .unwrap();
    w.app
        .act(
            &desk,
            b.row.id,
            Action::HandOff {
                to_step: "xu_ly".into(),
            },
        )
        .await
        .unwrap();
    // Refusing and stopping need a reason and a leader.
    assert!(w
        .app
        .act(
            &justice,
            a.row.id,
            Action::Refuse {
                reason: "Không đủ điều kiện".into()
            }
        )
        .await
        .is_err());
    assert!(w
        .app
        .act(
            &leader,
            a.row.id,
            Action::Refuse {
                reason: "  ".into()
            }
        )
        .await
        .is_err());
    let r = w
        .app
        .act(
            &leader,
            a.row.id,
            Action::Refuse {
                reason: "Người yêu cầu không thuộc đối tượng được cấp".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(r.row.status, "refused");
    let s = w
        .app
        .act(
            &leader,
            b.row.id,
            Action::Stop {
                reason: "Người nộp đề nghị dừng để bổ sung giấy tờ khác".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(s.row.status, "stopped");
    let f03 = pdf_text(&w.app.dossier_form_pdf(&desk, a.row.id, "03").await.unwrap());
    assert!(
        f03.contains("Người yêu cầu không thuộc đối tượng được cấp") && f03.contains(&a.row.code),
        "{f03}"
    );
    let f05 = pdf_text(&w.app.dossier_form_pdf(&desk, b.row.id, "05").await.unwrap());
    assert!(f05.contains("dừng để bổ sung giấy tờ khác"), "{f05}");
    // The public sees the refusal.
    assert_eq!(
        w.app
            .public_lookup(&a.row.code, None)
            .await
            .unwrap()
            .status_label,
        "Từ chối giải quyết"
    );

    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let reg = pdf_text(&w.app.register_pdf(&desk, w.tenant, day, day).await.unwrap());
    assert!(
        reg.contains(&a.row.code) && reg.contains(&b.row.code),
        "{reg}"
    );
    let empty = pdf_text(
        &w.app
            .register_pdf(
                &desk,
                w.tenant,
                day.succ_opt().unwrap(),
                day.succ_opt().unwrap(),
            )
            .await
            .unwrap(),
    );
    assert!(!empty.contains(&a.row.code));
    assert!(
        w.app
            .register_pdf(&justice, w.tenant, day, day)
            .await
            .is_err(),
        "a specialist keeps no register"
    );
}

#[tokio::test]
async fn files_are_checked_kept_and_recorded() {
    let w = world().await;
    let desk = w.staff("motcua").await;
    let d = w
        .app
        .receive_at_counter(&desk, w.tenant, intake("1.001193"))
        .await
        .unwrap();
    let pdf = b"%PDF-1.4\n% to khai\n".to_vec();
    // A bad file among good ones: nothing is stored.
    let err = w
        .app
        .attach(
            &desk,
            d.row.id,
            vec![
                ("to-khai.pdf".into(), pdf.clone()),
                ("virus.pdf".into(), b"MZ\x90".to_vec()),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, sen_app::AppError::Invalid(ref i) if i.message_vi.contains("virus.pdf")),
        "{err:?}"
    );
    assert!(w.app.attachments(&desk, d.row.id).await.unwrap().is_empty());
    let added = w
        .app
        .attach(
            &desk,
            d.row.id,
            vec![("C:\\scan\\Tờ khai.pdf".into(), pdf.clone())],
        )
        .await
        .unwrap();
    assert_eq!(added[0].name, "Tờ khai.pdf");
    assert_eq!(added[0].scan_status, "not_scanned");
    let (a, bytes) = w
        .app
        .attachment(&desk, d.row.id, added[0].id)
        .await
        .unwrap();
    assert_eq!(
        (bytes, a.content_type.as_str()),
        (pdf.clone(), "application/pdf")
    );
    // The upload is in the chain with the file's SHA-256.
    let evs = sen_store::events::list(
        &w.app.db,
        &sen_store::events::EventFilter {
            object_id: Some(d.row.id.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ev = evs
        .iter()
        .find(|e| e.action == "dossier.attachment_added")
        .unwrap();
    assert!(ev.payload.contains(&a.sha256));
    // Another department sees nothing.
    let other = w.staff("chuyenvienxd").await;
    assert!(w.app.attachments(&other, d.row.id).await.is_err());
}
