//! The HTTP surface, against a real server on a loopback port with a fresh
//! database on the backend under test and the demo province loaded.

mod common;

use common::spawn;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn health_readiness_metrics_and_vietnamese_home() {
    let a = spawn().await;
    let r = a
        .http
        .get(format!("{}/healthz", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = a
        .http
        .get(format!("{}/readyz", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = a.http.get(format!("{}/", a.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"), "{html}");
    assert!(html.contains("Cổng dịch vụ công"));
    assert!(html.contains("Tỉnh Sen Hồng"));
    assert!(html.contains("ngày "), "date in Vietnamese form");
    let en = a
        .http
        .get(format!("{}/?lang=en", a.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Public service portal"));
    let m = a
        .http
        .get(format!("{}/metrics", a.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("sen_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
        "{m}"
    );
    assert!(m.contains("sen_units_total 11"), "{m}");
    // The public lookup's cache: on PostgreSQL and on a SQLite file (not
    // in memory).
    let pg = a.t.db.lookup_cache().is_some();
    assert!(pg, "a cache on {}", a.t.db.backend().name());
    assert_eq!(m.contains("sen_lookup_cache_listening "), pg, "{m}");
    assert_eq!(
        m.contains("# TYPE sen_lookup_cache_hits_total gauge"),
        pg,
        "{m}"
    );
    // And of reference data, kept by the same listener.
    assert_eq!(
        m.contains("# TYPE sen_reference_cache_hits_total gauge"),
        pg,
        "{m}"
    );
}

#[tokio::test]
async fn every_documented_operation_exists() {
    let a = spawn().await;
    let (s, doc) = a
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let token = a.login("quantri").await;
    for (method, path, _, _) in sen_web::OPERATIONS {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing in the document"
        );
        let p = path
            .replace("{id}", "01a20deb-0000-7000-8000-000000000000")
            .replace("{code}", "1.001193")
            .replace("{number}", "01");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = if *method == "get" {
            None
        } else {
            Some(json!({}))
        };
        let (s, v) = a.call(m, &p, Some(&token), body).await;
        assert!(
            !(s == 404 && v["error"]["message_en"] == "no such API route") && s != 405,
            "{method} {path} is documented but not routed ({s})"
        );
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_writes_nothing() {
    let a = spawn().await;
    let token = a.login("quantri").await;
    let root = a.unit_id(&token, "H99").await;
    let before = a.counts().await;

    // Duplicate identifier code.
    let (s, v) = a
        .call(Method::POST, "/api/v1/units", Some(&token),
            Some(json!({"parent_id": root, "code": "H99.02", "abbreviation": "SYT", "name": "Sở Y tế", "kind": "department"})))
        .await;
    assert_eq!(s, 409, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("H99.02"));
    // Unknown parent unit.
    let (s, v) = a
        .call(Method::POST, "/api/v1/units", Some(&token),
            Some(json!({"parent_id": "01a20deb-0000-7000-8000-000000000000", "code": "H99.30", "abbreviation": "SYT", "name": "Sở Y tế", "kind": "department"})))
        .await;
    assert_eq!(s, 404, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Không tìm thấy đơn vị"));
    // Invalid fields.
    for (field, body) in [
        (
            "code",
            json!({"parent_id": root, "code": "h99 30", "abbreviation": "SYT", "name": "Sở Y tế", "kind": "department"}),
        ),
        (
            "abbreviation",
            json!({"parent_id": root, "code": "H99.30", "abbreviation": "S-YT", "name": "Sở Y tế", "kind": "department"}),
        ),
        (
            "name",
            json!({"parent_id": root, "code": "H99.30", "abbreviation": "SYT", "name": "  ", "kind": "department"}),
        ),
        (
            "kind",
            json!({"parent_id": root, "code": "H99.30", "abbreviation": "SYT", "name": "Sở Y tế", "kind": "district"}),
        ),
    ] {
        let (s, v) = a
            .call(Method::POST, "/api/v1/units", Some(&token), Some(body))
            .await;
        assert_eq!(s, 422, "{field}: {v}");
        assert_eq!(v["error"]["field"], field);
    }
    // Missing field / wrong type.
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/units",
            Some(&token),
            Some(json!({"code": 5})),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    // Malformed JSON.
    let r = a
        .http
        .post(format!("{}/api/v1/units", a.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"parent_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "malformed_json"
    );
    // Not JSON at all.
    let r = a
        .http
        .post(format!("{}/api/v1/units", a.base))
        .bearer_auth(&token)
        .body("code=H99")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // Oversized body.
    let big = format!("{{\"name\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let r = a
        .http
        .post(format!("{}/api/v1/units", a.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "payload_too_large"
    );
    // Malformed identifier in the path.
    let (s, v) = a
        .call(Method::GET, "/api/v1/units/not-a-uuid", Some(&token), None)
        .await;
    assert_eq!(s, 400, "{v}");
    // Unknown route.
    let (s, _) = a
        .call(Method::GET, "/api/v1/nothing-here", Some(&token), None)
        .await;
    assert_eq!(s, 404);

    assert_eq!(
        a.counts().await,
        before,
        "a rejected request wrote something"
    );
}

#[tokio::test]
async fn least_privilege_on_units_accounts_and_the_log() {
    let a = spawn().await;
    let admin = a.login("quantri").await;
    let specialist = a.login("chuyenvien").await;
    let auditor = a.login("kiemtra").await;
    let root = a.unit_id(&admin, "H99").await;
    let unit = json!({"parent_id": root, "code": "H99.40", "abbreviation": "SYT", "name": "Sở Y tế", "kind": "department"});

    let (s, _) = a
        .call(Method::POST, "/api/v1/units", None, Some(unit.clone()))
        .await;
    assert_eq!(s, 401);
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/units",
            Some(&specialist),
            Some(unit.clone()),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/units",
            Some(&auditor),
            Some(unit.clone()),
        )
        .await;
    assert_eq!(s, 403);
    let (s, v) = a
        .call(Method::POST, "/api/v1/units", Some(&admin), Some(unit))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["name"], "Sở Y tế");

    // The administrator does not read the audit trail; the auditor does.
    let (s, _) = a
        .call(Method::GET, "/api/v1/events", Some(&admin), None)
        .await;
    assert_eq!(s, 403);
    let (s, v) = a
        .call(
            Method::GET,
            "/api/v1/events?object_type=unit&limit=500",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert!(v["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "unit.created" && e["payload"]["code"] == "H99.40"));
    let (s, v) = a
        .call(Method::GET, "/api/v1/audit/verify", Some(&auditor), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["ok"], true, "{v}");
    // Auditor and specialist manage no accounts.
    let (s, _) = a
        .call(Method::GET, "/api/v1/accounts", Some(&auditor), None)
        .await;
    assert_eq!(s, 403);
    let (s, v) = a.call(Method::POST, "/api/v1/accounts", Some(&specialist),
        Some(json!({"username": "moi", "full_name": "Người Mới", "password": "mat-khau-dai-du", "roles": []}))).await;
    assert_eq!(s, 403, "{v}");
    // A leader of one department cannot act on another's unit.
    let leader = a.login("lanhdao").await;
    let (s, _) = a
        .call(Method::GET, "/api/v1/units", Some(&leader), None)
        .await;
    assert_eq!(s, 200);
    let sxd = a.unit_id(&admin, "H99.03").await;
    let (s, _) = a
        .call(
            Method::PATCH,
            &format!("/api/v1/units/{sxd}"),
            Some(&leader),
            Some(json!({"name": "Sở Xây dựng mới"})),
        )
        .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn accounts_roles_and_password_reset() {
    let a = spawn().await;
    let admin = a.login("quantri").await;
    let stp = a.unit_id(&admin, "H99.02").await;
    let (s, v) = a.call(Method::POST, "/api/v1/accounts", Some(&admin),
        Some(json!({"username": "Ngoc.Anh", "full_name": "Đỗ Ngọc Ánh", "email": "anh@senhong.example.vn",
            "password": "mat-khau-dai-du", "roles": [{"role": "specialist", "unit_id": stp}]}))).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["username"], "ngoc.anh");
    assert!(v.get("password_hash").is_none(), "hash leaked: {v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/accounts",
            Some(&admin),
            Some(json!({"username": "ngoc.anh", "full_name": "X", "password": "mat-khau-dai-du"})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/accounts",
            Some(&admin),
            Some(json!({"username": "ngan", "full_name": "X", "password": "short"})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("password"))
    );

    let r = a
        .http
        .post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"username": "ngoc.anh", "password": "mat-khau-dai-du", "want_token": true}))
        .send()
        .await
        .unwrap();
    let tok = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, me) = a.call(Method::GET, "/api/v1/me", Some(&tok), None).await;
    assert_eq!(s, 200);
    assert_eq!(me["roles"][0]["role"], "specialist");
    assert_eq!(me["roles"][0]["label"], "Chuyên viên");

    // Grant, revoke, bad role.
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{id}/roles"),
            Some(&admin),
            Some(json!({"role": "unit_leader", "unit_id": stp})),
        )
        .await;
    assert_eq!((s, v["changed"].clone()), (StatusCode::OK, json!(true)));
    let (s, _) = a
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{id}/roles"),
            Some(&admin),
            Some(json!({"role": "king", "unit_id": stp})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{id}/roles/revoke"),
            Some(&admin),
            Some(json!({"role": "unit_leader", "unit_id": stp})),
        )
        .await;
    assert_eq!((s, v["changed"].clone()), (StatusCode::OK, json!(true)));

    // A password reset ends the account's sessions.
    let (s, _) = a
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{id}/password"),
            Some(&admin),
            Some(json!({"password": "mat-khau-moi-dai"})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = a.call(Method::GET, "/api/v1/me", Some(&tok), None).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token() {
    let a = spawn().await;
    let r = a
        .http
        .post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"username": "quantri", "password": sen_app::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie_header = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie_header.contains("HttpOnly") && cookie_header.contains("SameSite=Lax"),
        "{cookie_header}"
    );
    let cookie = cookie_header.split(';').next().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert!(
        body.get("token").is_none(),
        "token in the body without asking for it"
    );
    let csrf = body["csrf_token"].as_str().unwrap().to_string();

    let get = a
        .http
        .get(format!("{}/api/v1/me", a.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 200);
    let post = a
        .http
        .post(format!("{}/api/v1/me/totp/setup", a.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
    assert_eq!(post.json::<Value>().await.unwrap()["error"]["code"], "csrf");
    let post = a
        .http
        .post(format!("{}/api/v1/me/totp/setup", a.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);
    let post = a
        .http
        .post(format!("{}/api/v1/auth/logout", a.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    let get = a
        .http
        .get(format!("{}/api/v1/me", a.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 401, "session survived logout");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_a_clear_message() {
    let a = spawn().await;
    for _ in 0..5 {
        let (s, v) = a
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "motcua", "password": "sai-mat-khau-roi"})),
            )
            .await;
        assert_eq!(s, 401);
        assert_eq!(v["error"]["code"], "bad_credentials");
    }
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "motcua", "password": sen_app::demo::DEMO_PASSWORD})),
        )
        .await;
    assert_eq!(s, 429, "{v}");
    assert_eq!(v["error"]["code"], "locked");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("tạm thời bị khoá"));
    assert!(v["error"]["message_en"]
        .as_str()
        .unwrap()
        .contains("minute"));
    // Another account is not affected.
    a.login("lanhdao").await;
}

fn base32_decode(s: &str) -> Vec<u8> {
    let (mut buf, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("bad base32"),
        } as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

#[tokio::test]
async fn totp_second_factor() {
    let a = spawn().await;
    let tok = a.login("lanhdao").await;
    let (s, v) = a
        .call(Method::POST, "/api/v1/me/totp/setup", Some(&tok), None)
        .await;
    assert_eq!(s, 200);
    assert!(v["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let secret = base32_decode(v["secret"].as_str().unwrap());
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/me/totp/confirm",
            Some(&tok),
            Some(json!({"code": "000000"})),
        )
        .await;
    assert_eq!(s, 401);
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/me/totp/confirm",
            Some(&tok),
            Some(json!({"code": sen_domain::auth::totp(&secret, now())})),
        )
        .await;
    assert_eq!(s, 200);

    // Password alone now gives a half session that is not signed in.
    let r = a.http.post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"username": "lanhdao", "password": sen_app::demo::DEMO_PASSWORD, "want_token": true})).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["totp_required"], true);
    let half = v["token"].as_str().unwrap().to_string();
    let (s, _) = a.call(Method::GET, "/api/v1/me", Some(&half), None).await;
    assert_eq!(s, 401);
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/auth/totp",
            Some(&half),
            Some(json!({"code": "123", "want_token": true})),
        )
        .await;
    assert_eq!(s, 401);
    // The code used at enrolment cannot be replayed; wait for the next step.
    let step = now() / 30;
    while now() / 30 == step {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let code = sen_domain::auth::totp(&secret, now());
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/auth/totp",
            Some(&half),
            Some(json!({"code": code, "want_token": true})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let full = v["token"].as_str().unwrap().to_string();
    let (s, me) = a.call(Method::GET, "/api/v1/me", Some(&full), None).await;
    assert_eq!(
        (s, me["username"].clone()),
        (StatusCode::OK, json!("lanhdao"))
    );
    // The half session is gone, and the same code cannot be used twice.
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/auth/totp",
            Some(&half),
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn citizens_sign_in_with_a_one_time_code() {
    let a = spawn().await;
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/citizen/code",
            None,
            Some(json!({"address": "12345"})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("phone"))
    );
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/citizen/code",
            None,
            Some(json!({"address": "+84 912 345 678"})),
        )
        .await;
    assert_eq!(s, 202);
    let msgs = sen_store::outbox::recent(&a.t.db, 10).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        (msgs[0].channel.as_str(), msgs[0].recipient.as_str()),
        ("sms", "0912345678")
    );
    let code: String = msgs[0]
        .body
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/citizen/verify",
            None,
            Some(json!({"address": "0912345678", "code": "999999x"})),
        )
        .await;
    assert_eq!(s, 401);
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/citizen/verify",
            None,
            Some(json!({"address": "0912 345 678", "code": code, "want_token": true})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let tok = v["token"].as_str().unwrap().to_string();
    let (_, me) = a.call(Method::GET, "/api/v1/me", Some(&tok), None).await;
    assert_eq!(me["kind"], "citizen");
    // A citizen is no staff member.
    let (s, _) = a.call(Method::GET, "/api/v1/units", Some(&tok), None).await;
    assert_eq!(s, 403);
    // A used code does not work twice.
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/citizen/verify",
            None,
            Some(json!({"address": "0912345678", "code": code})),
        )
        .await;
    assert_eq!(s, 401);
    // Rate limit: five codes an hour.
    for _ in 0..4 {
        let (s, _) = a
            .call(
                Method::POST,
                "/api/v1/citizen/code",
                None,
                Some(json!({"address": "0912345678"})),
            )
            .await;
        assert_eq!(s, 202);
    }
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/citizen/code",
            None,
            Some(json!({"address": "0912345678"})),
        )
        .await;
    assert_eq!(s, 429);
}

#[tokio::test]
async fn units_rename_move_and_merge_are_recorded() {
    let a = spawn().await;
    let admin = a.login("quantri").await;
    let auditor = a.login("kiemtra").await;
    let root = a.unit_id(&admin, "H99").await;
    let stp = a.unit_id(&admin, "H99.02").await;
    let div = a.unit_id(&admin, "H99.02.01").await;
    let sxd = a.unit_id(&admin, "H99.03").await;

    let (s, v) = a
        .call(
            Method::PATCH,
            &format!("/api/v1/units/{sxd}"),
            Some(&admin),
            Some(json!({"name": "Sở Xây dựng và Giao thông", "abbreviation": "SXDGT"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["name"], "Sở Xây dựng và Giao thông");
    let (s, _) = a
        .call(
            Method::PATCH,
            &format!("/api/v1/units/{sxd}"),
            Some(&admin),
            Some(json!({"code": "H99.02"})),
        )
        .await;
    assert_eq!(s, 409);
    // Moving a unit under its own sub-unit is refused.
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/units/{stp}/move"),
            Some(&admin),
            Some(json!({"parent_id": div})),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/units/{div}/move"),
            Some(&admin),
            Some(json!({"parent_id": sxd})),
        )
        .await;
    assert_eq!((s, v["parent_id"].clone()), (StatusCode::OK, json!(sxd)));
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/units/{div}/move"),
            Some(&admin),
            Some(json!({"parent_id": stp})),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // Merge the Department of Justice into the Department of Construction:
    // its division and its staff's roles move; the source stays, marked merged.
    let (s, _) = a
        .call(
            Method::POST,
            &format!("/api/v1/units/{stp}/merge"),
            Some(&admin),
            Some(json!({"target_id": sxd, "reason": ""})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = a
        .call(
            Method::POST,
            &format!("/api/v1/units/{root}/merge"),
            Some(&admin),
            Some(json!({"target_id": sxd, "reason": "x"})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/units/{stp}/merge"),
            Some(&admin),
            Some(json!({"target_id": sxd, "reason": "Nghị quyết số 01/NQ-HĐND"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["moved_children"].clone(), v["moved_grants"].clone()),
        (json!(1), json!(2))
    );
    let (_, src) = a
        .call(
            Method::GET,
            &format!("/api/v1/units/{stp}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (src["status"].clone(), src["merged_into"].clone()),
        (json!("merged"), json!(sxd))
    );
    let (_, d) = a
        .call(
            Method::GET,
            &format!("/api/v1/units/{div}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(d["parent_id"], json!(sxd));
    let leader = a.login("lanhdao").await;
    let (_, me) = a.call(Method::GET, "/api/v1/me", Some(&leader), None).await;
    assert_eq!(me["roles"][0]["unit_id"], json!(sxd));
    // Merging again is refused: the source is no longer active.
    let (s, _) = a
        .call(
            Method::POST,
            &format!("/api/v1/units/{stp}/merge"),
            Some(&admin),
            Some(json!({"target_id": sxd, "reason": "again"})),
        )
        .await;
    assert_eq!(s, 409);

    let (_, ev) = a
        .call(
            Method::GET,
            &format!("/api/v1/events?object_type=unit&object_id={stp}"),
            Some(&auditor),
            None,
        )
        .await;
    let actions: Vec<&str> = ev["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["unit.created", "unit.merged"]);
    let (_, v) = a
        .call(Method::GET, "/api/v1/audit/verify", Some(&auditor), None)
        .await;
    assert_eq!(v["ok"], true);
}

#[tokio::test]
async fn calendar_decisions_move_deadlines() {
    let a = spawn().await;
    let admin = a.login("quantri").await;
    let officer = a.login("motcua").await;
    let due = |start: &'static str| {
        let a = &a;
        async move {
            let (s, v) = a
                .call(
                    Method::GET,
                    &format!("/api/v1/calendar/working-days?start={start}&n=1"),
                    None,
                    None,
                )
                .await;
            assert_eq!(s, 200, "{v}");
            v["due"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(due("2026-08-21T09:00").await, "2026-08-24T09:00");
    assert_eq!(due("2026-08-28T09:00").await, "2026-08-31T09:00");

    let swap_off = json!({"kind": "day_off", "date": "2026-08-31", "name": "Nghỉ bù cho ngày làm việc 22/8", "reference": "Thông báo 01/TB-BNV"});
    let swap_work = json!({"kind": "working_day", "date": "2026-08-22", "name": "Làm bù cho thứ Hai 31/8", "reference": "Thông báo 01/TB-BNV"});
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/calendar/decisions",
            Some(&officer),
            Some(swap_off.clone()),
        )
        .await;
    assert_eq!(s, 403, "an officer cannot change the calendar");
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/calendar/decisions",
            Some(&admin),
            Some(swap_off.clone()),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/calendar/decisions",
            Some(&admin),
            Some(swap_work),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let work_id = v["id"].as_str().unwrap().to_string();
    // The same date twice, a day off on a Sunday, a missing reference: refused.
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/calendar/decisions",
            Some(&admin),
            Some(swap_off),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/calendar/decisions",
            Some(&admin),
            Some(json!({"kind": "day_off", "date": "2026-08-23", "name": "x", "reference": "y"})),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("vốn đã là ngày nghỉ"));
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/calendar/decisions",
            Some(&admin),
            Some(json!({"kind": "day_off", "date": "2026-08-24", "name": "x", "reference": " "})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/calendar/decisions",
            Some(&admin),
            Some(json!({"kind": "day_off", "date": "2026-02-30", "name": "x", "reference": "y"})),
        )
        .await;
    assert_eq!(s, 422);

    // The working Saturday counts; the swapped Monday and 1–2 Sep do not.
    assert_eq!(due("2026-08-21T09:00").await, "2026-08-22T09:00");
    assert_eq!(due("2026-08-28T09:00").await, "2026-09-03T09:00");
    let (_, v) = a
        .call(
            Method::GET,
            "/api/v1/calendar/holidays?year=2026",
            None,
            None,
        )
        .await;
    let days: Vec<&str> = v["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert!(
        days.contains(&"2026-08-31")
            && days.contains(&"2026-02-17")
            && days.contains(&"2026-04-26"),
        "{days:?}"
    );
    let (s, _) = a
        .call(
            Method::GET,
            "/api/v1/calendar/holidays?year=1800",
            None,
            None,
        )
        .await;
    assert_eq!(s, 400);
    let (_, v) = a
        .call(
            Method::GET,
            "/api/v1/calendar/lunar?date=2026-02-17",
            None,
            None,
        )
        .await;
    assert_eq!(v["text"], "01/01/2026");

    // Removing the working Saturday puts the deadline back on Monday.
    let (s, _) = a
        .call(
            Method::DELETE,
            &format!("/api/v1/calendar/decisions/{work_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(due("2026-08-21T09:00").await, "2026-08-24T09:00");
    let (_, v) = a
        .call(Method::GET, "/api/v1/calendar/decisions", None, None)
        .await;
    assert_eq!(v["decisions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn catalogue_and_dossiers_over_http() {
    let a = spawn().await;
    // The catalogue is public and accent-insensitive.
    let (s, v) = a
        .call(Method::GET, "/api/v1/procedures?q=ho%20tich", None, None)
        .await;
    assert_eq!(s, 200);
    let list = v["procedures"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["name"], "Cấp bản sao trích lục hộ tịch");
    let (s, v) = a
        .call(Method::GET, "/api/v1/procedures/2.000488", None, None)
        .await;
    assert_eq!((s, v["version"].clone()), (StatusCode::OK, json!(1)));
    let (s, _) = a
        .call(Method::GET, "/api/v1/procedures/0.000000", None, None)
        .await;
    assert_eq!(s, 404);
    let csv = a
        .http
        .get(format!("{}/api/v1/catalogue/export.csv", a.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines().count() == 4 && csv.contains("\"Hộ tịch\""),
        "{csv}"
    );

    // Publishing a changed procedure makes version 2; the same spec again changes nothing.
    let admin = a.login("quantri").await;
    let (_, mut spec) = a
        .call(Method::GET, "/api/v1/procedures/1.001193", None, None)
        .await;
    for k in ["id", "version", "status", "created_at"] {
        spec.as_object_mut().unwrap().remove(k);
    }
    spec["fees"][0]["amount_vnd"] = json!(10000);
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/procedures",
            Some(&admin),
            Some(spec.clone()),
        )
        .await;
    assert_eq!(
        (s, v["version"].clone()),
        (StatusCode::CREATED, json!(2)),
        "{v}"
    );
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/procedures",
            Some(&admin),
            Some(spec.clone()),
        )
        .await;
    assert_eq!((s, v["unchanged"].clone()), (StatusCode::OK, json!(true)));
    let (_, v) = a
        .call(
            Method::GET,
            "/api/v1/procedures/1.001193/versions",
            None,
            None,
        )
        .await;
    assert_eq!(
        v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["retired", "active"]
    );
    // A process whose times do not add up is refused with a clear message.
    let mut broken = spec.clone();
    broken["processing_days"] = json!(5);
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/procedures",
            Some(&admin),
            Some(broken),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    let officer = a.login("motcua").await;
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/procedures",
            Some(&officer),
            Some(spec),
        )
        .await;
    assert_eq!(s, 403);

    // Counter intake, bad input first.
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/dossiers",
            Some(&officer),
            Some(json!({"procedure_code": "1.001193", "applicant": {"name": "Trần Văn Bình"}})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("applicant.phone"))
    );
    let (s, _) = a.call(Method::POST, "/api/v1/dossiers", Some(&officer),
        Some(json!({"procedure_code": "0.000", "applicant": {"name": "Trần Văn Bình", "phone": "0901234567"}}))).await;
    assert_eq!(s, 404);
    let (s, d) = a.call(Method::POST, "/api/v1/dossiers", Some(&officer),
        Some(json!({"procedure_code": "1.001193", "applicant": {"name": "Trần Văn Bình", "phone": "0901234567"}}))).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["status"], "received");
    assert_eq!(d["status_label"], "Đã tiếp nhận");
    let id = d["id"].as_str().unwrap().to_string();
    let code = d["code"].as_str().unwrap().to_string();
    // The new dossier is received under version 2 of the procedure.
    let (_, v) = a
        .call(Method::GET, "/api/v1/procedures/1.001193", None, None)
        .await;
    assert_eq!(d["procedure_id"], v["id"]);

    // Actions: a wrong one is a conflict, a malformed one a 4xx.
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/actions"),
            Some(&officer),
            Some(json!({"action": "return"})),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    let (s, _) = a
        .call(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/actions"),
            Some(&officer),
            Some(json!({"action": "fly"})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/dossiers/{id}/actions"),
            Some(&officer),
            Some(json!({"action": "hand_off", "to_step": "xu_ly"})),
        )
        .await;
    assert_eq!(
        (s, v["status"].clone()),
        (StatusCode::OK, json!("in_process")),
        "{v}"
    );
    // The specialist sees it in the work queue.
    let specialist = a.login("chuyenvien").await;
    let (_, q) = a
        .call(
            Method::GET,
            "/api/v1/dossiers?status=in_process",
            Some(&specialist),
            None,
        )
        .await;
    assert!(q["dossiers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["code"] == code.as_str()));
    // The construction department does not.
    let other = a.login("chuyenvienxd").await;
    let (_, q) = a
        .call(Method::GET, "/api/v1/dossiers", Some(&other), None)
        .await;
    assert!(q["dossiers"].as_array().unwrap().is_empty());
    let (s, _) = a
        .call(
            Method::GET,
            &format!("/api/v1/dossiers/{id}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, 403);

    // The public lookup needs no login and shows no personal data without proof.
    let (s, p) = a
        .call(
            Method::GET,
            &format!("/api/v1/public/dossiers/{code}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(p["status"], "in_process");
    assert!(p.get("applicant_name").is_none());
    let (_, p) = a
        .call(
            Method::GET,
            &format!("/api/v1/public/dossiers/{code}?proof=4567"),
            None,
            None,
        )
        .await;
    assert_eq!(p["applicant_name"], "Trần Văn Bình");
    let (s, _) = a
        .call(Method::GET, "/api/v1/public/dossiers/KHONG-CO", None, None)
        .await;
    assert_eq!(s, 404);
    let inbound = json!({"from": "0901234567", "text": format!("TRACUU {code}")});
    let (s, _) = a
        .call(
            Method::POST,
            "/api/v1/sms/inbound",
            None,
            Some(inbound.clone()),
        )
        .await;
    assert_eq!(s, 401, "only a signed-in gateway may post inbound messages");
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/sms/inbound",
            Some(&officer),
            Some(inbound),
        )
        .await;
    assert_eq!(s, 200);
    assert!(v["reply"].as_str().unwrap().contains("Đang xử lý"), "{v}");
}
