//! The server-rendered pages, driven as a browser without JavaScript would:
//! GET pages, POST forms with the session cookie and the form's CSRF token.

mod common;

use common::{between, spawn, Browser};
use reqwest::StatusCode;

#[tokio::test]
async fn public_pages_in_vietnamese_and_english() {
    let a = spawn().await;
    let b = Browser::new(&a.base);
    let (s, html) = b.get("/thu-tuc?q=ho+tich").await;
    assert_eq!(s, 200);
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(
        html.contains("Cấp bản sao trích lục hộ tịch"),
        "accent-insensitive search"
    );
    assert!(!html.contains("Cấp giấy phép xây dựng"));
    let (s, html) = b.get("/thu-tuc/2.000488").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Công an tỉnh")
            && html.contains("200.000 đồng")
            && html.contains("10 ngày làm việc"),
        "{html}"
    );
    let (s, html) = b.get("/thu-tuc/9.999").await;
    assert_eq!(s, 404);
    assert!(html.contains("Không tìm thấy thủ tục"));
    let (s, html) = b.get("/tra-cuu?ma=KHONG-CO").await;
    assert_eq!(s, 404);
    assert!(
        html.contains("error-summary") && html.contains("href=\"#ma\""),
        "{html}"
    );
    // English by cookie after the language link.
    let r = b
        .http
        .get(format!("{}/ngon-ngu?to=en&back=/thu-tuc", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/thu-tuc");
    let r = b
        .http
        .get(format!("{}/ngon-ngu?to=en&back=//evil.example", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/", "no open redirect");
    let html = b
        .http
        .get(format!("{}/thu-tuc", a.base))
        .header("cookie", "sen_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Processing time"));
    // Static assets are served; the page stays small.
    let (s, css) = b.get("/static/sen.css").await;
    assert_eq!(s, 200);
    let (_, home) = b.get("/").await;
    assert!(home.len() + css.len() < 100 * 1024);
}

#[tokio::test]
async fn an_officer_receives_hands_off_and_the_public_sees_it() {
    let a = spawn().await;
    let mut b = Browser::new(&a.base);
    let (s, _) = b.get("/can-bo").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the queue needs a sign-in");
    let (s, html, _) = b
        .post(
            "/can-bo/dang-nhap",
            &[("username", "motcua"), ("password", "sai-mat-khau")],
        )
        .await;
    assert_eq!(s, 401);
    assert!(
        html.contains("Sai tên đăng nhập hoặc mật khẩu") && html.contains("id=\"error-summary\"")
    );
    let (s, _, loc) = b
        .post(
            "/can-bo/dang-nhap",
            &[
                ("username", "motcua"),
                ("password", sen_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_deref()),
        (StatusCode::SEE_OTHER, Some("/can-bo"))
    );
    let (_, html) = b.get("/can-bo/tiep-nhan").await;
    let csrf = between(&html, "name=\"csrf_token\" value=\"", "\"").to_string();

    // A form without the token is refused; one with a missing phone gets the error summary.
    let (s, _, _) = b
        .post(
            "/can-bo/tiep-nhan",
            &[
                ("procedure_code", "1.001193"),
                ("name", "Lê Thị Lan"),
                ("phone", "0903334444"),
            ],
        )
        .await;
    assert_eq!(s, 403);
    let (s, html, _) = b
        .post(
            "/can-bo/tiep-nhan",
            &[
                ("csrf_token", &csrf),
                ("procedure_code", "1.001193"),
                ("name", "Lê Thị Lan"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("href=\"#phone\"") && html.contains("value=\"Lê Thị Lan\""),
        "the form keeps what was typed"
    );
    let (s, _, loc) = b
        .post(
            "/can-bo/tiep-nhan",
            &[
                ("csrf_token", &csrf),
                ("procedure_code", "1.001193"),
                ("name", "Lê Thị Lan"),
                ("phone", "0903334444"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let page = loc.unwrap();
    let (_, html) = b.get(&page).await;
    assert!(html.contains("Đã tiếp nhận hồ sơ.") && html.contains("role=\"status\""));
    let code = between(&html, "<h1>Hồ sơ ", "</h1>").to_string();
    assert!(html.contains("value=\"hand_off\""), "{html}");
    let id = page
        .trim_start_matches("/can-bo/ho-so/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let (s, _, loc) = b
        .post(
            &format!("/can-bo/ho-so/{id}/thao-tac"),
            &[
                ("csrf_token", &csrf),
                ("action", "hand_off"),
                ("to_step", "xu_ly"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc:?}");
    // A wrong action shows the reason on the page.
    let (s, html, _) = b
        .post(
            &format!("/can-bo/ho-so/{id}/thao-tac"),
            &[("csrf_token", &csrf), ("action", "return")],
        )
        .await;
    assert_eq!(s, 409);
    assert!(html.contains("error-summary"));

    // The public lookup page shows the new status.
    let anon = Browser::new(&a.base);
    let (s, html) = anon.get(&format!("/tra-cuu?ma={code}")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Đang xử lý") && html.contains("Tiếp nhận"),
        "{html}"
    );
    assert!(
        !html.contains("Lê Thị Lan"),
        "no personal data without proof"
    );
    let (_, html) = anon.get(&format!("/tra-cuu?ma={code}&xac-minh=4444")).await;
    assert!(html.contains("Lê Thị Lan"));

    // The specialist sees it in the queue; the officer signs out.
    let mut sp = Browser::new(&a.base);
    sp.post(
        "/can-bo/dang-nhap",
        &[
            ("username", "chuyenvien"),
            ("password", sen_app::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    let (_, html) = sp.get("/can-bo").await;
    assert!(html.contains(&code));
    let (s, _, loc) = b.post("/can-bo/dang-xuat", &[("csrf_token", &csrf)]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
    let (s, _) = b.get("/can-bo").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_official_turns_on_two_factor_sign_in_from_the_pages() {
    let a = spawn().await;
    let mut b = Browser::new(&a.base);
    b.post(
        "/can-bo/dang-nhap",
        &[
            ("username", "lanhdao"),
            ("password", sen_app::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    let (s, html) = b.get("/can-bo/tai-khoan").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Chưa bật") && html.contains("Lãnh đạo đơn vị"),
        "{html}"
    );
    let csrf = between(&html, "name=\"csrf_token\" value=\"", "\"").to_string();
    let (s, html, _) = b
        .post("/can-bo/tai-khoan/totp", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(s, 200);
    let secret = between(&html, "<code id=\"totp-secret\">", "</code>").to_string();
    // A wrong code is refused with the error summary.
    let (s, html, _) = b
        .post(
            "/can-bo/tai-khoan/totp/xac-nhan",
            &[("csrf_token", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(s, 401);
    assert!(html.contains("error-summary"));
    let key = {
        let (mut buf, mut bits, mut out) = (0u32, 0u32, Vec::new());
        for c in secret.bytes() {
            let v = if c.is_ascii_uppercase() {
                c - b'A'
            } else {
                c - b'2' + 26
            } as u32;
            buf = (buf << 5) | v;
            bits += 5;
            if bits >= 8 {
                out.push((buf >> (bits - 8)) as u8);
                bits -= 8;
            }
        }
        out
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let code = sen_domain::auth::totp(&key, now);
    let (s, _, loc) = b
        .post(
            "/can-bo/tai-khoan/totp/xac-nhan",
            &[("csrf_token", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(
        (s, loc.as_deref()),
        (StatusCode::SEE_OTHER, Some("/can-bo/tai-khoan?ok=done"))
    );
    let (_, html) = b.get("/can-bo/tai-khoan").await;
    assert!(html.contains("Đang bật"));
    // From now on the password alone leads to the code page.
    let mut fresh = Browser::new(&a.base);
    let (s, html, _) = fresh
        .post(
            "/can-bo/dang-nhap",
            &[
                ("username", "lanhdao"),
                ("password", sen_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("name=\"stage\" value=\"totp\""), "{html}");
    let (s, _) = fresh.get("/can-bo").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "no access before the code");
}

#[tokio::test]
async fn the_administrator_manages_units_accounts_and_the_catalogue_from_the_pages() {
    let a = spawn().await;
    let mut b = Browser::new(&a.base);
    b.post(
        "/can-bo/dang-nhap",
        &[
            ("username", "quantri"),
            ("password", sen_app::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    let (s, html) = b.get("/can-bo/quan-tri").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Sở Tư pháp") && html.contains("motcua"),
        "{html}"
    );
    let csrf = between(&html, "name=\"csrf_token\" value=\"", "\"").to_string();
    let root = a.unit_id(&a.login("quantri").await, "H99").await;

    let unit = |code: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("parent_id", root.clone()),
            ("code", code.to_string()),
            ("abbreviation", "SYT".to_string()),
            ("name", "Sở Y tế".to_string()),
            ("kind", "department".to_string()),
        ]
    };
    let form: Vec<(&str, String)> = unit("H99.07");
    let form_ref: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, loc) = b.post("/can-bo/quan-tri/don-vi", &form_ref).await;
    assert_eq!(
        (s, loc.as_deref()),
        (StatusCode::SEE_OTHER, Some("/can-bo/quan-tri?ok=done"))
    );
    // The same code again: the error summary names it.
    let (s, html, _) = b.post("/can-bo/quan-tri/don-vi", &form_ref).await;
    assert_eq!(s, 409);
    assert!(html.contains("H99.07") && html.contains("error-summary"));

    let (s, _, _) = b
        .post(
            "/can-bo/quan-tri/tai-khoan",
            &[
                ("csrf_token", &csrf),
                ("username", "bacsi"),
                ("full_name", "Lương Y Đức"),
                ("password", "mat-khau-dai-du"),
                ("role", "specialist"),
                ("unit_id", &root),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = b.get("/can-bo/quan-tri").await;
    assert!(html.contains("bacsi") && html.contains("Sở Y tế"));

    // Catalogue import from a JSON file: a changed procedure becomes version 2.
    let export: serde_json::Value = reqwest::get(format!("{}/api/v1/catalogue/export", a.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut v = export.clone();
    v[0]["fees"][0]["amount_vnd"] = serde_json::json!(250000);
    let part =
        reqwest::multipart::Part::bytes(v.to_string().into_bytes()).file_name("danh-muc.json");
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.clone())
        .part("catalogue", part);
    let r = b
        .http
        .post(format!("{}/can-bo/quan-tri/danh-muc", a.base))
        .header("cookie", &b.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("1 phiên bản mới") && html.contains("v2"),
        "{html}"
    );
    let bad = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.clone())
        .part(
            "catalogue",
            reqwest::multipart::Part::bytes(b"not json".to_vec()).file_name("x.json"),
        );
    let r = b
        .http
        .post(format!("{}/can-bo/quan-tri/danh-muc", a.base))
        .header("cookie", &b.cookie)
        .multipart(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // An officer has no administration.
    let mut o = Browser::new(&a.base);
    o.post(
        "/can-bo/dang-nhap",
        &[
            ("username", "motcua"),
            ("password", sen_app::demo::DEMO_PASSWORD),
        ],
    )
    .await;
    let (s, _) = o.get("/can-bo/quan-tri").await;
    assert_eq!(s, 403);
}
