//! The administration of units and accounts, the citizen's supplement and
//! compressed responses, driven as a browser without JavaScript would: GET
//! pages, POST forms with the session cookie and the form's CSRF token.

mod common;

use common::{between, spawn, Browser};
use reqwest::{Client, StatusCode};

const PW: &str = sen_app::demo::DEMO_PASSWORD;

#[tokio::test]
async fn units_are_renamed_moved_and_merged_after_a_confirmation() {
    let a = spawn().await;
    let (mut b, csrf) = Browser::staff(&a.base, "quantri", PW).await;
    let token = a.login("quantri").await;
    let root = a.unit_id(&token, "H99").await;
    let justice = a.unit_id(&token, "H99.02").await;
    let office = a.unit_id(&token, "H99.01").await;
    // A division under the Department of Justice, to move and merge.
    let (s, _, _) = b
        .post_to(
            "/can-bo/quan-tri/don-vi",
            &[
                ("csrf_token", &csrf),
                ("parent_id", &justice),
                ("code", "H99.02.07"),
                ("abbreviation", "PHT"),
                ("name", "Phòng Hộ tịch"),
                ("kind", "division"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = b.get("/can-bo/quan-tri").await;
    let end = html
        .find("\">Phòng Hộ tịch</a>")
        .expect("the new division is listed");
    let div = html[end - 36..end].to_string();
    assert!(
        html.contains(&format!(
            "– – <a href=\"/can-bo/quan-tri/don-vi/{div}\">Phòng Hộ tịch"
        )),
        "the tree shows the division under its department: {html}"
    );
    let page = format!("/can-bo/quan-tri/don-vi/{div}");
    let (s, html) = b.get(&page).await;
    assert_eq!(s, 200);
    assert!(html.contains("value=\"H99.02.07\"") && html.contains("Sở Tư pháp"));

    // Re-code to a code already used: the error summary points at the field.
    let (s, html, _) = b
        .post_to(
            &format!("{page}/doi-ten"),
            &[
                ("csrf_token", &csrf),
                ("name", "Phòng Hộ tịch"),
                ("abbreviation", "PHT"),
                ("code", "H99.05"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        html.contains("error-summary")
            && html.contains("href=\"#u_code\"")
            && html.contains("H99.05"),
        "{html}"
    );
    assert!(html.contains("value=\"H99.05\""), "what was typed is kept");
    // Rename and re-code.
    let (s, _, loc) = b
        .post_to(
            &format!("{page}/doi-ten"),
            &[
                ("csrf_token", &csrf),
                ("name", "Phòng Hộ tịch – Quốc tịch"),
                ("abbreviation", "PHTQT"),
                ("code", "H99.02.09"),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, &*format!("{page}?ok=renamed"))
    );
    let (_, html) = b.get(&format!("{page}?ok=renamed")).await;
    assert!(html.contains("Đã lưu thay đổi của đơn vị") && html.contains("H99.02.09"));

    // Move under the Office; moving the root's child under itself is refused.
    let (s, _, _) = b
        .post_to(
            &format!("{page}/chuyen"),
            &[("csrf_token", &csrf), ("new_parent", &office)],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = b.get(&page).await;
    assert!(html.contains("H99.01 – Văn phòng"), "{html}");
    let (s, html, _) = b
        .post_to(
            &format!("{page}/chuyen"),
            &[("csrf_token", &csrf), ("new_parent", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("href=\"#new_parent\""));

    // Merge: without a legal basis, refused; with one, a confirmation that
    // says what moves, and nothing changes until it is confirmed.
    let (s, html, _) = b
        .post_to(
            &format!("{page}/hop-nhat"),
            &[("csrf_token", &csrf), ("target", &justice), ("reason", " ")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("href=\"#merge_reason\""));
    let reason = "Nghị quyết 12/NQ-HĐND";
    let (s, html, _) = b
        .post_to(
            &format!("{page}/hop-nhat"),
            &[
                ("csrf_token", &csrf),
                ("target", &justice),
                ("reason", reason),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Xác nhận hợp nhất") && html.contains(reason) && html.contains("Sở Tư pháp"),
        "{html}"
    );
    assert!(
        html.contains("không tự động chuyển"),
        "what does not move is said"
    );
    let (_, unit_html) = b.get(&page).await;
    assert!(unit_html.contains("Đang hoạt động"), "not merged yet");
    // The root cannot be merged; the form is not even offered.
    let (_, root_html) = b.get(&format!("/can-bo/quan-tri/don-vi/{root}")).await;
    assert!(!root_html.contains("hop-nhat"));

    let (s, _, loc) = b
        .post_to(
            &format!("{page}/hop-nhat"),
            &[
                ("csrf_token", &csrf),
                ("target", &justice),
                ("reason", reason),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, &*format!("{page}?ok=merged"))
    );
    let (_, html) = b.get(&page).await;
    assert!(
        html.contains("Đã hợp nhất") && html.contains("→ H99.02 – Sở Tư pháp"),
        "{html}"
    );
    assert!(!html.contains("/doi-ten"), "a merged unit has no forms");
    // Merging it again is refused with the use case's message.
    let (s, html, _) = b
        .post_to(
            &format!("{page}/hop-nhat"),
            &[
                ("csrf_token", &csrf),
                ("target", &office),
                ("reason", reason),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("Chỉ hợp nhất được hai đơn vị đang hoạt động"));
    // A form without the token changes nothing.
    let (s, _, _) = b
        .post_to(&format!("{page}/chuyen"), &[("new_parent", &root)])
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An officer manages no units.
    let (mut o, ocsrf) = Browser::staff(&a.base, "motcua", PW).await;
    let (s, _, _) = o
        .post_to(
            &format!("/can-bo/quan-tri/don-vi/{office}/doi-ten"),
            &[
                ("csrf_token", &ocsrf),
                ("name", "Văn phòng mới"),
                ("abbreviation", "VP"),
                ("code", "H99.01"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn accounts_get_roles_passwords_totp_off_and_are_disabled() {
    let a = spawn().await;
    let (mut b, csrf) = Browser::staff(&a.base, "quantri", PW).await;
    let token = a.login("quantri").await;
    let desk = a.unit_id(&token, "H99.05").await;
    let justice = a.unit_id(&token, "H99.02").await;
    let app = sen_app::App::new(a.t.db.clone(), sen_app::Settings::default());
    let user = app.account_by_username("chuyenvien").await.unwrap().id;
    let page = format!("/can-bo/quan-tri/tai-khoan/{user}");
    let (s, html) = b.get("/can-bo/quan-tri").await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("href=\"{page}\">chuyenvien</a>")));
    let (s, html) = b.get(&page).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Chuyên viên") && html.contains("H99.02 – Sở Tư pháp"),
        "{html}"
    );

    // Grant an extra role, then revoke it.
    let (s, _, loc) = b
        .post_to(
            &format!("{page}/vai-tro"),
            &[
                ("csrf_token", &csrf),
                ("role", "one_stop_officer"),
                ("unit_id", &desk),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, &*format!("{page}?ok=granted"))
    );
    let revoke_desk = format!("name=\"unit_id\" value=\"{desk}\">");
    let (_, html) = b.get(&page).await;
    assert!(html.contains(&revoke_desk), "{html}");
    let (s, _, loc) = b
        .post_to(
            &format!("{page}/thu-hoi"),
            &[
                ("csrf_token", &csrf),
                ("role", "one_stop_officer"),
                ("unit_id", &desk),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, &*format!("{page}?ok=revoked"))
    );
    let (_, html) = b.get(&format!("{page}?ok=revoked")).await;
    assert!(html.contains("Đã thu hồi vai trò") && !html.contains(&revoke_desk));
    // A bad role name comes back in the error summary.
    let (s, html, _) = b
        .post_to(
            &format!("{page}/vai-tro"),
            &[
                ("csrf_token", &csrf),
                ("role", "emperor"),
                ("unit_id", &justice),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("error-summary") && html.contains("href=\"#grant_role\""),
        "{html}"
    );

    // Reset: the new password is shown once and works; the old one no longer.
    let (mut u, _) = Browser::staff(&a.base, "chuyenvien", PW).await;
    let (s, html, _) = b
        .post_to(&format!("{page}/mat-khau"), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(s, 200);
    let new = between(
        &html,
        "<code id=\"new-password-value\" class=\"secret\">",
        "</code>",
    )
    .to_string();
    assert_eq!(new.len(), 23, "{new}");
    let (_, again) = b.get(&page).await;
    assert!(!again.contains(&new), "shown once only");
    let (s, _) = u.get("/can-bo").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the user's session has ended");
    let (s, _, _) = u
        .post_to(
            "/can-bo/dang-nhap",
            &[("username", "chuyenvien"), ("password", PW)],
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    Browser::staff(&a.base, "chuyenvien", &new).await;

    // TOTP off for a user who lost the device.
    let me = app.account_by_username("chuyenvien").await.unwrap();
    let actor = sen_app::Actor::Staff {
        id: me.id,
        tenant_id: me.tenant_id,
        username: me.username.clone(),
        grants: vec![],
    };
    app.totp_begin(&actor).await.unwrap();
    let key = hex_decode(&app.account_by_id(me.id).await.unwrap().totp_secret.unwrap());
    let code = sen_domain::auth::totp(&key, chrono::Utc::now().timestamp());
    app.totp_confirm(&actor, &code).await.unwrap();
    let (_, html) = b.get(&page).await;
    assert!(html.contains("Tắt xác thực hai lớp"));
    let (s, _, _) = b
        .post_to(&format!("{page}/totp"), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(!app.account_by_id(me.id).await.unwrap().totp_enabled);

    // Disable: the user cannot sign in; enable: they can again.
    let (s, _, loc) = b
        .post_to(
            &format!("{page}/trang-thai"),
            &[("csrf_token", &csrf), ("status", "disabled")],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, &*format!("{page}?ok=disabled"))
    );
    let (_, html) = b.get("/can-bo/quan-tri").await;
    assert!(html.contains("Đã khoá"));
    let mut u = Browser::new(&a.base);
    let (s, _, _) = u
        .post_to(
            "/can-bo/dang-nhap",
            &[("username", "chuyenvien"), ("password", &new)],
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    b.post_to(
        &format!("{page}/trang-thai"),
        &[("csrf_token", &csrf), ("status", "active")],
    )
    .await;
    Browser::staff(&a.base, "chuyenvien", &new).await;
    // The administrator cannot disable their own account.
    let own = app.account_by_username("quantri").await.unwrap().id;
    let (_, html) = b.get(&format!("/can-bo/quan-tri/tai-khoan/{own}")).await;
    assert!(html.contains("Bạn không thể tự khoá"));
    let (s, html, _) = b
        .post_to(
            &format!("/can-bo/quan-tri/tai-khoan/{own}/trang-thai"),
            &[("csrf_token", &csrf), ("status", "disabled")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("error-summary"));
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Signs a citizen in through the pages, with the code read from the outbox.
async fn citizen(a: &common::TestApp, phone: &str) -> (Browser, String) {
    let mut c = Browser::new(&a.base);
    let (s, _, _) = c
        .post_to("/cong-dan/dang-nhap", &[("address", phone)])
        .await;
    assert_eq!(s, 200);
    let msg = sen_store::outbox::recent(&a.t.db, 20)
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
    let (s, _, _) = c
        .post_to(
            "/cong-dan/dang-nhap",
            &[
                ("stage", "code"),
                ("address", phone),
                ("code", &code),
                ("next", "/cong-dan/ho-so"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = c.get("/cong-dan/ho-so").await;
    let csrf = between(&html, "name=\"csrf_token\" value=\"", "\"").to_string();
    (c, csrf)
}

#[tokio::test]
async fn a_citizen_uploads_the_supplement_asked_for() {
    let a = spawn().await;
    let (c, csrf) = citizen(&a, "0966123456").await;
    // Applies online without files.
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.clone())
        .text("name", "Võ Thị Mỹ Duyên")
        .text("phone", "0966123456");
    let r = c
        .http
        .post(format!("{}/thu-tuc/1.001193/nop", a.base))
        .header("cookie", &c.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let desk = a.login("motcua").await;
    let (_, v) = a
        .call(
            reqwest::Method::GET,
            "/api/v1/dossiers?status=submitted",
            Some(&desk),
            None,
        )
        .await;
    let id = v["dossiers"][0]["id"].as_str().unwrap().to_string();
    for body in [
        serde_json::json!({"action": "receive"}),
        serde_json::json!({"action": "request_supplement", "reason": "Thiếu tờ khai có chữ ký",
            "missing": ["Tờ khai đã ký", "Bản chụp CCCD"]}),
    ] {
        let (s, v) = a
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/dossiers/{id}/actions"),
                Some(&desk),
                Some(body),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    // The citizen sees what was asked, and the form.
    let (_, html) = c.get("/cong-dan/ho-so").await;
    assert!(
        html.contains("Thiếu tờ khai có chữ ký")
            && html.contains("<li>Tờ khai đã ký</li>")
            && html.contains(&format!("action=\"/cong-dan/ho-so/{id}/bo-sung\"")),
        "{html}"
    );
    let send = |files: Vec<(&'static str, Vec<u8>)>| {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", csrf.clone());
        for (name, bytes) in files {
            form = form.part(
                "files",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        }
        c.http
            .post(format!("{}/cong-dan/ho-so/{id}/bo-sung", a.base))
            .header("cookie", &c.cookie)
            .multipart(form)
            .send()
    };
    // A file that is not a PDF or an image: refused, named, nothing kept.
    let r = send(vec![("to-khai.pdf", b"MZ\x90\x00".to_vec())])
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("error-summary")
            && html.contains(&format!("href=\"#files-{id}\""))
            && html.contains("to-khai.pdf"),
        "{html}"
    );
    let r = send(vec![]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(vec![(
        "to-khai.pdf",
        b"%PDF-1.4\n% to khai da ky\n".to_vec(),
    )])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = c.get("/cong-dan/ho-so?ok=supplemented").await;
    assert!(html.contains("Đã gửi hồ sơ bổ sung") && !html.contains("bo-sung\""));
    // The officer sees the file on the dossier page; the dossier runs again.
    let (o, _) = Browser::staff(&a.base, "motcua", PW).await;
    let (_, html) = o.get(&format!("/can-bo/ho-so/{id}")).await;
    assert!(
        html.contains("to-khai.pdf") && html.contains("Đang xử lý"),
        "{html}"
    );
}

#[tokio::test]
async fn pages_css_and_scripts_are_gzipped() {
    let a = spawn().await;
    let http = Client::new();
    for path in [
        "/",
        "/thu-tuc",
        "/static/sen.css",
        "/static/htmx.min.js",
        "/api/v1/catalogue/export",
    ] {
        let r = http
            .get(format!("{}{path}", a.base))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            r.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            Some("gzip"),
            "{path}"
        );
        let body = r.bytes().await.unwrap();
        assert_eq!(&body[..2], b"\x1f\x8b", "{path}: a gzip stream");
    }
    // Without Accept-Encoding, plain.
    let r = http
        .get(format!("{}/static/sen.css", a.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
}
