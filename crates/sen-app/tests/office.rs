//! E-office end to end on the backend under test: a draft goes through
//! review and approval, is numbered and issued, arrives at another agency
//! of the province, is registered, assigned, processed and completed, and
//! its statuses flow back to the sender.

use sen_app::office::{DocAction, NewDraft, NewFile, NewIncoming, RecipientSpec};
use sen_app::{Actor, App, AppError};
use sen_store::testing::TestDb;
use std::sync::Arc;
use uuid::Uuid;

struct World {
    app: App,
    _t: TestDb,
}

async fn world() -> World {
    let t = TestDb::new().await;
    let app = App::new(t.db.clone(), sen_app::Settings::default());
    app.load_demo().await.unwrap();
    World { app, _t: t }
}

impl World {
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
    async fn id_of(&self, username: &str) -> Uuid {
        self.app.account_by_username(username).await.unwrap().id
    }
    async fn unit(&self, code: &str) -> Uuid {
        let t = self.app.public_overview().await.unwrap().0.unwrap().id;
        sen_store::org::unit_by_code(&self.app.db, t, code)
            .await
            .unwrap()
            .unwrap()
            .id
    }
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile_dir();
    let path = dir.join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sen-office-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn a_submission_goes_from_draft_to_done_across_two_agencies() {
    let w = world().await;
    let author = w.staff("chuyenvienxd").await;
    let leader = w.staff("lanhdaoxd").await;
    let clerk = w.staff("vanthuxd").await;
    let clerk_ubnd = w.staff("vanthu").await;
    let chairman = w.staff("chutich").await;
    let handler = w.staff("chuyenvien").await;
    let sxd = w.unit("H99.03").await;
    let ubnd = w.unit("H99").await;
    let stp = w.unit("H99.02").await;

    let draft = w
        .app
        .create_draft(
            &author,
            NewDraft {
                unit_id: sxd,
                doc_type: "to_trinh".into(),
                subject: "Đề nghị phê duyệt kế hoạch xây dựng nhà ở xã hội năm 2027".into(),
                body: "Căn cứ Luật Nhà ở năm 2023;\nSở Xây dựng kính trình Ủy ban nhân dân tỉnh xem xét, phê duyệt.".into(),
                urgency: Some("urgent".into()),
                recipients: vec![
                    RecipientSpec::Unit { unit_id: ubnd },
                ],
                responds_to: None,
                signer_title: Some("GIÁM ĐỐC".into()),
                signer_authority: None,
            },
        )
        .await
        .unwrap();
    let id = draft.row.id;
    assert_eq!(draft.row.status, "draft");
    assert_eq!(draft.row.unit_id, sxd);

    // Only the holder may approve, and only an approver.
    let err = w
        .app
        .act_on_document(&leader, id, DocAction::Approve { note: None })
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");
    let to_leader = DocAction::Submit {
        to: w.id_of("lanhdaoxd").await,
        note: Some("Kính trình anh xem".into()),
    };
    w.app
        .act_on_document(&author, id, to_leader.clone())
        .await
        .unwrap();
    let err = w
        .app
        .act_on_document(&author, id, DocAction::Approve { note: None })
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    // Sent back, revised, submitted again.
    w.app
        .act_on_document(
            &leader,
            id,
            DocAction::SendBack {
                reason: "Bổ sung căn cứ pháp lý".into(),
            },
        )
        .await
        .unwrap();
    w.app
        .act_on_document(
            &author,
            id,
            DocAction::Revise {
                subject: None,
                body: "Căn cứ Luật Nhà ở năm 2023;\nCăn cứ Nghị định 100/2024/NĐ-CP;\nSở Xây dựng kính trình Ủy ban nhân dân tỉnh xem xét, phê duyệt.".into(),
                note: Some("Đã bổ sung căn cứ".into()),
            },
        )
        .await
        .unwrap();
    w.app.act_on_document(&author, id, to_leader).await.unwrap();
    let approved = w
        .app
        .act_on_document(&leader, id, DocAction::Approve { note: None })
        .await
        .unwrap();
    assert_eq!(approved.row.status, "approved");
    assert_eq!(approved.row.signer_id, Some(w.id_of("lanhdaoxd").await));
    // The province's clerk does not number (nor see) the department's
    // documents.
    let err = w
        .app
        .act_on_document(&clerk_ubnd, id, DocAction::Issue)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(_) | AppError::NotFound { .. }),
        "{err:?}"
    );
    let issued = w
        .app
        .act_on_document(&clerk, id, DocAction::Issue)
        .await
        .unwrap();
    assert_eq!(issued.row.status, "issued");
    assert_eq!(issued.row.number_symbol.as_deref(), Some("01/TTr-SXD"));
    assert_eq!(issued.row.reg_number, Some(1));
    let versions = w.app.document_versions(&author, id).await.unwrap();
    assert_eq!(versions.len(), 2);

    // The issued PDF carries the number, the subject, the signer and the
    // latest version's text.
    let files = w.app.document_files(&author, id).await.unwrap();
    let pdf = files
        .iter()
        .find(|f| f.role == "issued")
        .expect("issued PDF");
    let (_, bytes) = w.app.document_file(&author, id, pdf.id).await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    if let Some(text) = pdftotext(&bytes) {
        for needle in [
            "Số: 01/TTr-SXD",
            "TỜ TRÌNH",
            "nhà ở xã hội",
            "Nghị định 100/2024",
            "Bùi Thị Xây",
            "GIÁM ĐỐC",
            "SỞ XÂY DỰNG",
        ] {
            assert!(text.contains(needle), "{needle} not in:\n{text}");
        }
    } else if std::env::var("SEN_TEST_BACKEND").is_ok() {
        panic!("pdftotext is required in CI");
    }

    // It arrived at the provincial committee.
    let recipients = w.app.document_recipients(&author, id).await.unwrap();
    let internal = recipients.iter().find(|r| r.unit_id == Some(ubnd)).unwrap();
    assert_eq!(internal.status, "01");
    let incoming_id = internal.delivered_document_id.unwrap();
    let incoming = w.app.document(&clerk_ubnd, incoming_id).await.unwrap();
    assert_eq!(incoming.row.status, "arrived");
    assert_eq!(incoming.row.number_symbol.as_deref(), Some("01/TTr-SXD"));
    assert_eq!(incoming.row.sender_name.as_deref(), Some("Sở Xây dựng"));
    // The department's clerk cannot see the committee's incoming mail.
    assert!(w
        .app
        .document(&w.staff("congan").await, incoming_id)
        .await
        .is_err());

    let registered = w
        .app
        .act_on_document(
            &clerk_ubnd,
            incoming_id,
            DocAction::Register { register_id: None },
        )
        .await
        .unwrap();
    assert_eq!(registered.row.reg_number, Some(1));
    let status = |w: &World| {
        let app = w.app.clone();
        let author = author.clone();
        async move {
            app.document_recipients(&author, id)
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.unit_id == Some(ubnd))
                .unwrap()
                .status
        }
    };
    assert_eq!(status(&w).await, "03");
    // A specialist cannot assign; the chairman can.
    let assign = DocAction::Assign {
        unit_id: stp,
        account_id: Some(w.id_of("chuyenvien").await),
        due_date: None,
        note: Some("Sở Tư pháp thẩm định".into()),
    };
    assert!(w
        .app
        .act_on_document(&handler, incoming_id, assign.clone())
        .await
        .is_err());
    w.app
        .act_on_document(&chairman, incoming_id, assign)
        .await
        .unwrap();
    assert_eq!(status(&w).await, "04");
    w.app
        .act_on_document(
            &handler,
            incoming_id,
            DocAction::Opinion {
                text: "Đủ điều kiện, đề nghị phê duyệt".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(status(&w).await, "05");
    let done = w
        .app
        .act_on_document(
            &handler,
            incoming_id,
            DocAction::Complete {
                note: None,
                dossier_code: None,
                dossier_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(done.row.status, "done");
    assert_eq!(status(&w).await, "06");
    // Nothing more can happen to it.
    let err = w
        .app
        .act_on_document(
            &handler,
            incoming_id,
            DocAction::Opinion { text: "x".into() },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Conflict { .. }));

    // The timelines come from the event log, which still verifies.
    let evs = w.app.document_events(&author, id).await.unwrap();
    let actions: Vec<&str> = evs.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "document.drafted",
            "document.submit",
            "document.send_back",
            "document.revise",
            "document.submit",
            "document.approve",
            "document.issue",
            "document.dispatched"
        ]
    );
    let evs = w.app.document_events(&handler, incoming_id).await.unwrap();
    assert_eq!(evs.len(), 5, "{evs:?}");
    assert!(sen_store::events::verify(&w.app.db)
        .await
        .unwrap()
        .tamper
        .is_none());

    // Accent-insensitive search finds both sides.
    let found = w
        .app
        .documents(&clerk_ubnd, Default::default(), Some("nha o xa hoi"))
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|d| d.row.id).collect::<Vec<_>>(),
        [incoming_id]
    );
    let found = w
        .app
        .documents(&author, Default::default(), Some("01/TTr-SXD"))
        .await
        .unwrap();
    assert_eq!(
        found.len(),
        1,
        "{:?}",
        found.iter().map(|d| &d.row.subject).collect::<Vec<_>>()
    );
    assert!(w
        .app
        .documents(&author, Default::default(), Some("khong co gi"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn paper_documents_are_registered_with_the_next_number_and_bad_input_changes_nothing() {
    let w = world().await;
    let clerk = w.staff("vanthu").await;
    let t = w.app.public_overview().await.unwrap().0.unwrap().id;
    let regs = w.app.registers(&clerk, t, None).await.unwrap();
    let incoming = regs
        .iter()
        .find(|r| r.direction == "incoming" && r.name.contains("UBND"))
        .unwrap();
    let outgoing = regs.iter().find(|r| r.direction == "outgoing").unwrap();
    let good = NewIncoming {
        register_id: incoming.id,
        doc_type: "cong_van".into(),
        original_number: "1234/BXD-QLN".into(),
        doc_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        sender_name: "Bộ Xây dựng".into(),
        subject: "Hướng dẫn thực hiện chính sách nhà ở".into(),
        urgency: None,
        due_date: None,
    };
    let pdf = sen_forms::OfficialDocument {
        agency: sen_forms::Agency {
            parent: None,
            name: "Bộ Xây dựng".into(),
            place: "Hà Nội".into(),
        },
        number: Some("1234/BXD-QLN".into()),
        issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20),
        type_name: None,
        subject: good.subject.clone(),
        addressees: vec!["UBND các tỉnh".into()],
        body: "Nội dung".into(),
        recipients: vec![],
        signer: sen_forms::Signer {
            authority: None,
            title: "BỘ TRƯỞNG".into(),
            name: "Nguyễn Văn A".into(),
        },
        draft: false,
    }
    .render()
    .unwrap();
    let a = w
        .app
        .register_incoming(
            &clerk,
            good.clone(),
            Some(NewFile {
                name: "cv1234.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: pdf,
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.row.reg_number, a.row.status.as_str()),
        (Some(1), "registered")
    );
    let before = sen_store::events::count(&w.app.db).await.unwrap();
    for (bad, field) in [
        (
            NewIncoming {
                subject: " ".into(),
                ..good.clone()
            },
            "subject",
        ),
        (
            NewIncoming {
                original_number: "BXD".into(),
                ..good.clone()
            },
            "original_number",
        ),
        (
            NewIncoming {
                doc_type: "thu_tay".into(),
                ..good.clone()
            },
            "doc_type",
        ),
        (
            NewIncoming {
                urgency: Some("gap".into()),
                ..good.clone()
            },
            "urgency",
        ),
        (
            NewIncoming {
                register_id: outgoing.id,
                ..good.clone()
            },
            "register_id",
        ),
    ] {
        match w.app.register_incoming(&clerk, bad, None).await {
            Err(AppError::Invalid(i)) => assert_eq!(i.field, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    // A file that is not what it says.
    let err = w
        .app
        .register_incoming(
            &clerk,
            good.clone(),
            Some(NewFile {
                name: "x.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"MZ not a pdf".to_vec(),
            }),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "{err:?}");
    // Someone without a register cannot register.
    let err = w
        .app
        .register_incoming(&w.staff("chuyenvien").await, good.clone(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
    assert_eq!(sen_store::events::count(&w.app.db).await.unwrap(), before);
    let b = w.app.register_incoming(&clerk, good, None).await.unwrap();
    assert_eq!(
        b.row.reg_number,
        Some(2),
        "a failed registration took no number"
    );

    // A draft that answers it is linked both ways; completing it can name
    // a one-stop dossier, which must exist.
    let author = w.staff("chuyenvien").await;
    let stp = w.unit("H99.02").await;
    let answer = w
        .app
        .create_draft(
            &author,
            NewDraft {
                unit_id: stp,
                doc_type: "cong_van".into(),
                subject: "Trả lời về chính sách nhà ở".into(),
                body: "Nội dung trả lời.".into(),
                urgency: None,
                recipients: vec![],
                responds_to: Some(b.row.id),
                signer_title: Some("GIÁM ĐỐC".into()),
                signer_authority: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(answer.row.responds_to, Some(b.row.id));
    let answers = w
        .app
        .document_answers(&w.staff("chutich").await, b.row.id)
        .await
        .unwrap();
    assert_eq!(
        answers.iter().map(|d| d.row.id).collect::<Vec<_>>(),
        [answer.row.id]
    );
    let chairman = w.staff("chutich").await;
    match w
        .app
        .act_on_document(
            &chairman,
            b.row.id,
            DocAction::Complete {
                note: None,
                dossier_code: Some("H99.02-260101-9999".into()),
                dossier_id: None,
            },
        )
        .await
    {
        Err(AppError::Invalid(i)) => assert_eq!(i.field, "dossier_code"),
        other => panic!("{other:?}"),
    }
}

/// 500 documents approved and issued concurrently by two clerks: numbers
/// 1..=500 in the register, no gap, no duplicate, every symbol unique.
#[tokio::test]
async fn five_hundred_concurrent_issues_get_gap_free_unique_numbers() {
    let w = world().await;
    let author = w.staff("chuyenvienxd").await;
    let leader = w.staff("lanhdaoxd").await;
    let leader_id = w.id_of("lanhdaoxd").await;
    let sxd = w.unit("H99.03").await;
    const N: usize = 500;
    let mut ids = Vec::with_capacity(N);
    for i in 0..N {
        let d = w
            .app
            .create_draft(
                &author,
                NewDraft {
                    unit_id: sxd,
                    doc_type: if i % 2 == 0 { "cong_van" } else { "quyet_dinh" }.into(),
                    subject: format!("Văn bản thử số {i}"),
                    body: "Nội dung.".into(),
                    urgency: None,
                    recipients: vec![],
                    responds_to: None,
                    signer_title: Some("GIÁM ĐỐC".into()),
                    signer_authority: None,
                },
            )
            .await
            .unwrap();
        w.app
            .act_on_document(
                &author,
                d.row.id,
                DocAction::Submit {
                    to: leader_id,
                    note: None,
                },
            )
            .await
            .unwrap();
        w.app
            .act_on_document(&leader, d.row.id, DocAction::Approve { note: None })
            .await
            .unwrap();
        ids.push(d.row.id);
    }
    let clerk = Arc::new(w.staff("vanthuxd").await);
    let mut tasks = Vec::new();
    for id in ids.iter().copied() {
        let (app, clerk) = (w.app.clone(), clerk.clone());
        tasks.push(tokio::spawn(async move {
            app.act_on_document(&clerk, id, DocAction::Issue).await
        }));
    }
    let mut numbers = Vec::new();
    let mut symbols = std::collections::HashSet::new();
    for t in tasks {
        let d = t.await.unwrap().unwrap();
        numbers.push(d.row.reg_number.unwrap());
        assert!(symbols.insert(d.row.number_symbol.clone().unwrap()));
    }
    numbers.sort();
    assert_eq!(numbers, (1..=N as i64).collect::<Vec<_>>());
    let t = w.app.public_overview().await.unwrap().0.unwrap().id;
    let reg = w
        .app
        .registers(&author, t, Some(sxd))
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.direction == "outgoing")
        .unwrap();
    let year = chrono::Datelike::year(&w.app.now_local()) as i64;
    let book = sen_store::office::register_book(&w.app.db, reg.id, year)
        .await
        .unwrap();
    assert_eq!(book.len(), N);
    assert!(book
        .windows(2)
        .all(|p| p[1].reg_number == p[0].reg_number.map(|n| n + 1)));
    assert!(sen_store::events::verify(&w.app.db)
        .await
        .unwrap()
        .tamper
        .is_none());
}
