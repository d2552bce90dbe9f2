//! Two platforms (two provinces, two databases) exchange documents by
//! edXML: a signed outgoing document becomes a registered incoming document
//! on the other side, status messages flow back, a repeat is received once,
//! a tampered or untrusted message is refused, a recall is honoured, and
//! both exchange logs verify. The transport here hands the outbox's
//! messages over directly; `sen serve` carries them over mutual TLS (see
//! sen-cli's tests).

use sen_app::accounts::{NewAccount, NewGrant};
use sen_app::exchange::ExchangeKeys;
use sen_app::office::{DocAction, NewDraft, NewRegister, RecipientSpec};
use sen_app::org::NewUnit;
use sen_app::{Actor, App, AppError};
use sen_store::testing::TestDb;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use uuid::Uuid;

/// A CA and one signing certificate per platform, made with openssl.
struct Pki {
    dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is required (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Pki {
    fn new() -> Pki {
        let dir = std::env::temp_dir().join(format!("sen-exchange-pki-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        for ca in ["ca", "rogue"] {
            openssl(
                &dir,
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    &format!("{ca}.key"),
                    "-out",
                    &format!("{ca}.pem"),
                    "-days",
                    "3650",
                    "-subj",
                    &format!("/CN=Test {ca} CA/O=Sen tests"),
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ],
            );
        }
        for (name, ca) in [("h99", "ca"), ("h98", "ca"), ("mallory", "rogue")] {
            openssl(
                &dir,
                &[
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    &format!("{name}.key"),
                    "-out",
                    &format!("{name}.csr"),
                    "-subj",
                    &format!("/CN={name}.exchange.test/O=Sen {name}"),
                ],
            );
            std::fs::write(
                dir.join(format!("{name}.ext")),
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n",
            )
            .unwrap();
            openssl(
                &dir,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &format!("{name}.csr"),
                    "-CA",
                    &format!("{ca}.pem"),
                    "-CAkey",
                    &format!("{ca}.key"),
                    "-CAcreateserial",
                    "-out",
                    &format!("{name}.pem"),
                    "-days",
                    "365",
                    "-extfile",
                    &format!("{name}.ext"),
                ],
            );
        }
        Pki { dir }
    }

    fn keys(&self, name: &str) -> Arc<ExchangeKeys> {
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap();
        Arc::new(
            ExchangeKeys::from_pem(
                &read(&format!("{name}.key")),
                &read(&format!("{name}.pem")),
                &read("ca.pem"),
            )
            .unwrap(),
        )
    }
}

struct Platform {
    app: App,
    _t: TestDb,
}

impl Platform {
    async fn new(keys: Arc<ExchangeKeys>) -> Platform {
        let t = TestDb::new().await;
        let settings = sen_app::Settings {
            exchange: Some(keys),
            ..Default::default()
        };
        let app = App::new(t.db.clone(), settings);
        Platform { app, _t: t }
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

    /// Takes the edXML messages waiting in the outbox and marks them sent.
    async fn drain(&self) -> Vec<(String, String)> {
        let now = sen_store::now_utc();
        let claimed = sen_store::outbox::claim_due(&self.app.db, &["edxml"], 100, "9999", "9999")
            .await
            .unwrap();
        let mut out = Vec::new();
        for c in claimed {
            sen_store::outbox::mark_sent(&self.app.db, c.id, &now)
                .await
                .unwrap();
            out.push((c.recipient, c.body));
        }
        out
    }
}

/// Delivers everything queued on `from` to `to`; returns how many.
async fn deliver(from: &Platform, to: &Platform) -> usize {
    let msgs = from.drain().await;
    for (_, body) in &msgs {
        to.app.receive_exchange(body.as_bytes()).await.unwrap();
    }
    msgs.len()
}

/// Province H98 with a Department of Construction, its clerk, leader and
/// specialist, and its incoming register.
async fn second_province(app: &App) {
    let op = Actor::Operator;
    let (tenant, root) = app
        .create_province(
            &op,
            "H98",
            "Tỉnh Mai Vàng (thử)",
            "UBND",
            "Ủy ban nhân dân tỉnh Mai Vàng",
        )
        .await
        .unwrap();
    let sxd = app
        .create_unit(
            &op,
            NewUnit {
                parent_id: root.id,
                code: "H98.03".into(),
                abbreviation: "SXD".into(),
                name: "Sở Xây dựng tỉnh Mai Vàng".into(),
                kind: "department".into(),
            },
        )
        .await
        .unwrap();
    for (u, role) in [
        ("vanthu98", "clerk"),
        ("lanhdao98", "unit_leader"),
        ("chuyenvien98", "specialist"),
    ] {
        app.create_account(
            &op,
            tenant.id,
            NewAccount {
                username: u.into(),
                full_name: format!("Cán bộ {u}"),
                email: None,
                password: sen_app::demo::DEMO_PASSWORD.into(),
                roles: vec![NewGrant {
                    role: role.into(),
                    unit_id: sxd.id,
                }],
            },
        )
        .await
        .unwrap();
    }
    app.create_register(
        &op,
        NewRegister {
            unit_id: sxd.id,
            issuer_unit_id: None,
            direction: "incoming".into(),
            name: "Sổ văn bản đến".into(),
            doc_types: vec![],
        },
    )
    .await
    .unwrap();
}

async fn issue_to_h98(a: &Platform, subject: &str) -> Uuid {
    let author = a.staff("chuyenvienxd").await;
    let leader = a.staff("lanhdaoxd").await;
    let clerk = a.staff("vanthuxd").await;
    let t = a.app.public_overview().await.unwrap().0.unwrap().id;
    let sxd = sen_store::org::unit_by_code(&a.app.db, t, "H99.03")
        .await
        .unwrap()
        .unwrap()
        .id;
    let d = a
        .app
        .create_draft(
            &author,
            NewDraft {
                unit_id: sxd,
                doc_type: "cong_van".into(),
                subject: subject.into(),
                body: "Sở Xây dựng tỉnh Sen Hồng đề nghị quý Sở phối hợp.".into(),
                urgency: Some("urgent".into()),
                recipients: vec![RecipientSpec::External {
                    organ_id: "H98.03".into(),
                    name: "Sở Xây dựng tỉnh Mai Vàng".into(),
                }],
                responds_to: None,
                signer_title: Some("GIÁM ĐỐC".into()),
                signer_authority: None,
            },
        )
        .await
        .unwrap();
    let id = d.row.id;
    let leader_id = a.app.account_by_username("lanhdaoxd").await.unwrap().id;
    a.app
        .act_on_document(
            &author,
            id,
            DocAction::Submit {
                to: leader_id,
                note: None,
            },
        )
        .await
        .unwrap();
    a.app
        .act_on_document(&leader, id, DocAction::Approve { note: None })
        .await
        .unwrap();
    a.app
        .act_on_document(&clerk, id, DocAction::Issue)
        .await
        .unwrap();
    id
}

async fn recipient_status(a: &Platform, id: Uuid) -> String {
    let author = a.staff("chuyenvienxd").await;
    a.app.document_recipients(&author, id).await.unwrap()[0]
        .status
        .clone()
}

#[tokio::test]
async fn two_platforms_exchange_a_document_and_its_statuses() {
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(
            std::env::var("SEN_TEST_BACKEND").is_err(),
            "openssl is required in CI"
        );
        eprintln!("SKIPPED: openssl not installed");
        return;
    }
    let pki = Pki::new();
    let a = Platform::new(pki.keys("h99")).await;
    a.app.load_demo().await.unwrap();
    let b = Platform::new(pki.keys("h98")).await;
    second_province(&b.app).await;

    let id = issue_to_h98(&a, "Về việc phối hợp quản lý vật liệu xây dựng liên tỉnh").await;
    assert_eq!(recipient_status(&a, id).await, "queued");
    let issued = a
        .app
        .document(&a.staff("vanthuxd").await, id)
        .await
        .unwrap();
    assert_eq!(issued.row.number_symbol.as_deref(), Some("01/SXD"));

    // The document crosses; a repeat is received once.
    let msgs = a.drain().await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].0, "H98.03");
    let r1 = b.app.receive_exchange(msgs[0].1.as_bytes()).await.unwrap();
    assert!(!r1.duplicate);
    let r2 = b.app.receive_exchange(msgs[0].1.as_bytes()).await.unwrap();
    assert!(r2.duplicate);
    assert_eq!(r1.documents, r2.documents);
    let incoming = r1.documents[0];
    let clerk98 = b.staff("vanthu98").await;
    let doc = b.app.document(&clerk98, incoming).await.unwrap();
    assert_eq!(doc.row.status, "arrived");
    assert_eq!(doc.row.number_symbol.as_deref(), Some("01/SXD"));
    assert_eq!(doc.row.sender_organ_id.as_deref(), Some("H99.03"));
    assert_eq!(doc.row.urgency, "urgent");
    let files = b.app.document_files(&clerk98, incoming).await.unwrap();
    assert_eq!(files.len(), 1);
    let (_, pdf) = b
        .app
        .document_file(&clerk98, incoming, files[0].id)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    // 01 arrived flows back.
    assert_eq!(deliver(&b, &a).await, 1);
    assert_eq!(recipient_status(&a, id).await, "01");

    // Tampering and an untrusted signer are refused, and change nothing.
    let before = sen_store::events::count(&b.app.db).await.unwrap();
    let tampered = msgs[0].1.replace("vật liệu xây dựng", "vật liệu xây dụng");
    assert!(matches!(
        b.app.receive_exchange(tampered.as_bytes()).await,
        Err(AppError::Invalid(_))
    ));
    let mallory = pki.keys("mallory");
    let rogue = Platform::new(mallory).await;
    rogue.app.load_demo().await.unwrap();
    issue_to_h98(&rogue, "Văn bản giả mạo").await;
    let (_, forged) = rogue.drain().await.remove(0);
    match b.app.receive_exchange(forged.as_bytes()).await {
        Err(AppError::Invalid(i)) => assert!(i.message_en.contains("not trusted"), "{i:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sen_store::events::count(&b.app.db).await.unwrap(), before);

    // Registration and processing on B, each status back on A.
    let leader98 = b.staff("lanhdao98").await;
    let handler98 = b.staff("chuyenvien98").await;
    let handler_id = b.app.account_by_username("chuyenvien98").await.unwrap().id;
    b.app
        .act_on_document(
            &clerk98,
            incoming,
            DocAction::Register { register_id: None },
        )
        .await
        .unwrap();
    deliver(&b, &a).await;
    assert_eq!(recipient_status(&a, id).await, "03");
    let unit98 = doc.row.unit_id;
    b.app
        .act_on_document(
            &leader98,
            incoming,
            DocAction::Assign {
                unit_id: unit98,
                account_id: Some(handler_id),
                due_date: None,
                note: None,
            },
        )
        .await
        .unwrap();
    deliver(&b, &a).await;
    assert_eq!(recipient_status(&a, id).await, "04");
    b.app
        .act_on_document(
            &handler98,
            incoming,
            DocAction::Opinion {
                text: "Đồng ý phối hợp".into(),
            },
        )
        .await
        .unwrap();
    b.app
        .act_on_document(
            &handler98,
            incoming,
            DocAction::Complete {
                note: None,
                dossier_code: None,
                dossier_id: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(deliver(&b, &a).await, 2);
    assert_eq!(recipient_status(&a, id).await, "06");

    // A recall: A issues another document, then recalls it; B accepts (15).
    let id2 = issue_to_h98(&a, "Văn bản sẽ bị thu hồi").await;
    deliver(&a, &b).await;
    deliver(&b, &a).await;
    assert_eq!(recipient_status(&a, id2).await, "01");
    let chairman_sxd = a.staff("lanhdaoxd").await;
    a.app
        .act_on_document(
            &chairman_sxd,
            id2,
            DocAction::Recall {
                reason: "Ban hành nhầm".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(deliver(&a, &b).await, 1);
    let recalled = b
        .app
        .documents(&clerk98, Default::default(), Some("se bi thu hoi"))
        .await
        .unwrap();
    assert_eq!(recalled.len(), 1);
    assert_eq!(recalled[0].row.status, "recalled");
    assert_eq!(deliver(&b, &a).await, 1);
    assert_eq!(recipient_status(&a, id2).await, "15");

    // Both sides' logs verify: the chain, and every message against it.
    for p in [&a, &b] {
        assert!(sen_store::events::verify(&p.app.db)
            .await
            .unwrap()
            .tamper
            .is_none());
        let v = p.app.verify_exchange_log().await.unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert!(v.checked >= 8, "{}", v.checked);
    }
    let _ = std::fs::remove_dir_all(&pki.dir);
}

#[tokio::test]
async fn without_the_exchange_a_document_for_another_platform_is_not_issued() {
    let t = TestDb::new().await;
    let app = App::new(t.db.clone(), sen_app::Settings::default());
    app.load_demo().await.unwrap();
    let a = Platform { app, _t: t };
    let author = a.staff("chuyenvienxd").await;
    let tenant = a.app.public_overview().await.unwrap().0.unwrap().id;
    let sxd = sen_store::org::unit_by_code(&a.app.db, tenant, "H99.03")
        .await
        .unwrap()
        .unwrap()
        .id;
    let d = a
        .app
        .create_draft(
            &author,
            NewDraft {
                unit_id: sxd,
                doc_type: "cong_van".into(),
                subject: "Gửi ra ngoài".into(),
                body: "Nội dung".into(),
                urgency: None,
                recipients: vec![RecipientSpec::External {
                    organ_id: "H98.03".into(),
                    name: "Sở Xây dựng tỉnh Mai Vàng".into(),
                }],
                responds_to: None,
                signer_title: Some("GIÁM ĐỐC".into()),
                signer_authority: None,
            },
        )
        .await
        .unwrap();
    let leader_id = a.app.account_by_username("lanhdaoxd").await.unwrap().id;
    a.app
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
    a.app
        .act_on_document(
            &a.staff("lanhdaoxd").await,
            d.row.id,
            DocAction::Approve { note: None },
        )
        .await
        .unwrap();
    match a
        .app
        .act_on_document(&a.staff("vanthuxd").await, d.row.id, DocAction::Issue)
        .await
    {
        Err(AppError::Conflict { message_en, .. }) => assert!(message_en.contains("exchange")),
        other => panic!("{other:?}"),
    }
    // Nothing was numbered.
    let doc = a.app.document(&author, d.row.id).await.unwrap();
    assert_eq!(
        (doc.row.status.as_str(), doc.row.reg_number),
        ("approved", None)
    );
}
