//! The e-office API over HTTP: drafting, review, issue with a number,
//! delivery to another agency, registration of paper mail with a scan.

mod common;

use common::spawn;
use reqwest::Method;
use serde_json::{json, Value};

fn png() -> Vec<u8> {
    // A valid 1×1 PNG.
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    v.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15,
        0xc4, 0x89, 0, 0, 0, 13, b'I', b'D', b'A', b'T', 0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1,
        0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82,
    ]);
    v
}

#[tokio::test]
async fn documents_flow_through_the_api() {
    let a = spawn().await;
    let author = a.login("chuyenvienxd").await;
    let leader = a.login("lanhdaoxd").await;
    let clerk = a.login("vanthuxd").await;
    let clerk_ubnd = a.login("vanthu").await;
    let sxd = a.unit_id(&author, "H99.03").await;
    let ubnd = a.unit_id(&author, "H99").await;

    // Unauthenticated and bad input.
    let (s, _) = a.call(Method::GET, "/api/v1/documents", None, None).await;
    assert_eq!(s, 401);
    let draft = json!({
        "unit_id": sxd, "doc_type": "quyet_dinh",
        "subject": "Về việc ban hành quy chế làm việc",
        "body": "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc.",
        "recipients": [{"kind": "unit", "unit_id": ubnd}],
        "signer_title": "GIÁM ĐỐC"
    });
    let mut bad = draft.clone();
    bad["doc_type"] = json!("thu_tay");
    let (s, v) = a
        .call(Method::POST, "/api/v1/documents", Some(&author), Some(bad))
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["field"].as_str()),
        (422, Some("doc_type")),
        "{v}"
    );
    let mut bad = draft.clone();
    bad["subject"] = json!("x".repeat(501));
    let (s, v) = a
        .call(Method::POST, "/api/v1/documents", Some(&author), Some(bad))
        .await;
    assert_eq!(
        (s.as_u16(), v["error"]["field"].as_str()),
        (422, Some("subject")),
        "{v}"
    );
    let (s, v) = a
        .call(
            Method::POST,
            "/api/v1/documents",
            Some(&author),
            Some(draft),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();

    // The holder acts; the document shows what each may do.
    let (_, me) = a.call(Method::GET, "/api/v1/me", Some(&leader), None).await;
    let leader_id = me["id"]
        .as_str()
        .or(me["account"]["id"].as_str())
        .unwrap()
        .to_string();
    let (_, d) = a
        .call(
            Method::GET,
            &format!("/api/v1/documents/{id}"),
            Some(&author),
            None,
        )
        .await;
    assert_eq!(d["actions"], json!(["revise", "submit"]), "{d}");
    let act = |token: String, body: Value| {
        let a = &a;
        let id = id.clone();
        async move {
            a.call(
                Method::POST,
                &format!("/api/v1/documents/{id}/actions"),
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (s, v) = act(author.clone(), json!({"action": "fly"})).await;
    assert!(s == 400 || s == 422, "{s} {v}");
    let (s, v) = act(author.clone(), json!({"action": "submit", "to": leader_id})).await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = act(author.clone(), json!({"action": "approve"})).await;
    assert_eq!(s, 403);
    let (s, v) = act(leader.clone(), json!({"action": "approve"})).await;
    assert_eq!(
        (s.as_u16(), v["status"].as_str()),
        (200, Some("approved")),
        "{v}"
    );
    let (s, v) = act(clerk.clone(), json!({"action": "issue"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["number_symbol"], "01/QĐ-SXD");
    let (s, v) = act(clerk.clone(), json!({"action": "issue"})).await;
    assert_eq!(s, 409, "issued twice: {v}");

    // The issued PDF downloads.
    let (_, d) = a
        .call(
            Method::GET,
            &format!("/api/v1/documents/{id}"),
            Some(&author),
            None,
        )
        .await;
    let file = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "issued")
        .unwrap();
    let r = a
        .http
        .get(format!(
            "{}/api/v1/documents/{id}/files/{}",
            a.base,
            file["id"].as_str().unwrap()
        ))
        .bearer_auth(&author)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(d["recipients"][0]["status"], "01");

    // The committee's clerk finds it by number, without accents, and
    // registers it.
    let (s, v) = a
        .call(
            Method::GET,
            "/api/v1/documents?direction=incoming&q=quy%20che%20lam%20viec",
            Some(&clerk_ubnd),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let list = v["documents"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    let incoming = list[0]["id"].as_str().unwrap();
    let (s, v) = a
        .call(
            Method::POST,
            &format!("/api/v1/documents/{incoming}/actions"),
            Some(&clerk_ubnd),
            Some(json!({"action": "register"})),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["reg_number"].as_i64()),
        (200, Some(1)),
        "{v}"
    );

    // Paper mail with a scan, by multipart.
    let (_, regs) = a
        .call(Method::GET, "/api/v1/registers", Some(&clerk_ubnd), None)
        .await;
    let reg = regs["registers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["direction"] == "incoming" && r["name"].as_str().unwrap().contains("UBND"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let form = |with_subject: bool| {
        let mut f = reqwest::multipart::Form::new()
            .text("register_id", reg.clone())
            .text("doc_type", "cong_van")
            .text("original_number", "15/BTP-VP")
            .text("doc_date", "2026-11-20")
            .text("sender_name", "Bộ Tư pháp")
            .part(
                "file",
                reqwest::multipart::Part::bytes(png()).file_name("scan.png"),
            );
        if with_subject {
            f = f.text("subject", "Về việc rà soát văn bản");
        }
        f
    };
    let r = a
        .http
        .post(format!("{}/api/v1/documents/incoming", a.base))
        .bearer_auth(&clerk_ubnd)
        .multipart(form(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["field"], "subject", "{v}");
    let r = a
        .http
        .post(format!("{}/api/v1/documents/incoming", a.base))
        .bearer_auth(&clerk_ubnd)
        .multipart(form(true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["reg_number"], 2, "{v}");
    assert_eq!(v["status"], "registered");
}
