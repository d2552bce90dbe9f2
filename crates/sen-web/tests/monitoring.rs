//! The monitoring dashboard over HTTP: JSON API, page with SVG charts and
//! drill-down, and the exports read back by independent tools (openpyxl
//! for .xlsx, poppler's pdftotext for PDF).

mod common;

use common::spawn;
use reqwest::Method;
use serde_json::{json, Value};

async fn receive(a: &common::TestApp, token: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let (s, v) = a
            .call(
                Method::POST,
                "/api/v1/dossiers",
                Some(token),
                Some(json!({"procedure_code": "1.001193",
                    "applicant": {"name": format!("Trần Văn {i}"), "phone": "0912345678"}})),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    ids
}

async fn cookie(a: &common::TestApp, user: &str) -> String {
    let r = a
        .http
        .post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"username": user, "password": sen_app::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn get(a: &common::TestApp, cookie: &str, path: &str) -> (u16, Vec<u8>, String) {
    let r = a
        .http
        .get(format!("{}{path}", a.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, r.bytes().await.unwrap().to_vec(), ct)
}

#[tokio::test]
async fn leaders_see_the_index_charts_drill_down_and_exports() {
    let a = spawn().await;
    let desk = a.login("motcua").await;
    receive(&a, &desk, 3).await;

    // JSON: the auditor reads the province; the desk officer may not.
    let auditor = a.login("kiemtra").await;
    let (s, v) = a
        .call(
            Method::GET,
            "/api/v1/monitoring/province",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["figures"]["received"], 3);
    assert_eq!(v["figures"]["open_running"], 3);
    let groups: Vec<&str> = v["score"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(groups.len(), 6, "{groups:?}");
    let payment = v["score"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "online_payment")
        .unwrap();
    assert!(payment["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["points"].is_null()));
    let justice = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "H99.02")
        .unwrap()
        .clone();
    assert_eq!(justice["figures"]["received"], 3);
    let (s, _) = a
        .call(
            Method::GET,
            "/api/v1/monitoring/province",
            Some(&desk),
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = a
        .call(
            Method::GET,
            "/api/v1/monitoring/province?from=2026-05-01&to=2026-01-01",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(s, 422, "an inverted period is invalid");
    let unit_path = format!(
        "/api/v1/monitoring/units/{}",
        justice["unit_id"].as_str().unwrap()
    );
    let (s, u) = a.call(Method::GET, &unit_path, Some(&auditor), None).await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["unit"]["code"], "H99.02");

    // The page: charts with a title and description, tables, drill-down.
    let c = cookie(&a, "kiemtra").await;
    let (s, body, _) = get(&a, &c, "/can-bo/chi-so").await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("<svg") && html.contains("<title id=\"chart-groups-t\">"));
    assert!(html.contains("aria-labelledby=\"chart-groups-t chart-groups-d\""));
    assert!(html.contains("Chưa có dữ liệu"));
    let link = format!(
        "/can-bo/chi-so/don-vi/{}",
        justice["unit_id"].as_str().unwrap()
    );
    assert!(html.contains(&link), "drill-down link");
    let (s, body, _) = get(&a, &c, &format!("{link}?tu=2026-01-01&den=2026-12-31")).await;
    assert_eq!(s, 200);
    let unit_html = String::from_utf8(body).unwrap();
    assert!(unit_html.contains("Sở Tư pháp"));
    // English.
    let (_, body, _) = get(&a, &c, "/can-bo/chi-so?lang=en").await;
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("Ranking of units"));

    // Excel, read back by openpyxl.
    let (s, xlsx, ct) = get(&a, &c, "/can-bo/chi-so/xuat.xlsx").await;
    assert_eq!(s, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    let dir = std::env::temp_dir().join(format!("sen-mon-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.xlsx");
    std::fs::write(&file, &xlsx).unwrap();
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import json, sys, openpyxl\n\
             wb = openpyxl.load_workbook(sys.argv[1])\n\
             print(json.dumps({n: [[c for c in r] for r in wb[n].iter_rows(values_only=True)] for n in wb.sheetnames}, default=str))",
        )
        .arg(&file)
        .output()
        .expect("python3 with openpyxl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let book: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ranking = book["Xếp hạng đơn vị"].as_array().expect("ranking sheet");
    assert_eq!(ranking[0][3], "Hồ sơ tiếp nhận");
    let row = ranking.iter().find(|r| r[1] == "H99.02").unwrap();
    assert_eq!(row[3], 3.0);
    assert!(book["Chỉ số"].as_array().unwrap().len() > 20);

    // PDF, read back by pdftotext.
    let (s, pdf, ct) = get(&a, &c, "/can-bo/chi-so/xuat.pdf").await;
    assert_eq!((s, ct.as_str()), (200, "application/pdf"));
    let file = dir.join("report.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("XẾP HẠNG") || text.contains("Xếp hạng đơn vị"),
        "{text}"
    );
    assert!(text.contains("Sở Tư pháp"), "{text}");
    std::fs::remove_dir_all(&dir).ok();

    // Without ReportRead the page is refused.
    let c = cookie(&a, "motcua").await;
    let (s, _, _) = get(&a, &c, "/can-bo/chi-so").await;
    assert_eq!(s, 403);
}
