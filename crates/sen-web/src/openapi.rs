//! The OpenAPI 3.1 document of `/api/v1`, written by hand next to the
//! routes; a test checks that every operation listed here is routed.

use axum::Json;
use serde_json::{json, Value};

/// (method, path, summary in Vietnamese / English, needs sign-in)
#[rustfmt::skip]
pub const OPERATIONS: &[(&str, &str, &str, bool)] = &[
    ("get", "/api/v1/openapi.json", "Tài liệu OpenAPI / This document", false),
    ("post", "/api/v1/auth/login", "Cán bộ đăng nhập / Staff sign-in (user name + password)", false),
    ("post", "/api/v1/auth/totp", "Nhập mã TOTP sau mật khẩu / Second factor after the password", false),
    ("post", "/api/v1/auth/logout", "Đăng xuất / Sign out", true),
    ("get", "/api/v1/me", "Người đang đăng nhập / Who am I", true),
    ("post", "/api/v1/me/totp/setup", "Bắt đầu đăng ký TOTP / Start TOTP enrolment", true),
    ("post", "/api/v1/me/totp/confirm", "Xác nhận TOTP / Confirm TOTP enrolment", true),
    ("post", "/api/v1/citizen/code", "Gửi mã một lần cho công dân / Send a citizen a one-time code", false),
    ("post", "/api/v1/citizen/verify", "Công dân đăng nhập bằng mã / Citizen sign-in with the code", false),
    ("get", "/api/v1/units", "Danh sách đơn vị (q: tìm không dấu) / Units (q: accent-insensitive search)", true),
    ("post", "/api/v1/units", "Tạo đơn vị / Create a unit", true),
    ("get", "/api/v1/units/{id}", "Một đơn vị / One unit", true),
    ("patch", "/api/v1/units/{id}", "Đổi tên, mã, tên viết tắt / Rename a unit", true),
    ("post", "/api/v1/units/{id}/move", "Chuyển đơn vị / Move a unit", true),
    ("post", "/api/v1/units/{id}/merge", "Hợp nhất đơn vị / Merge a unit into another", true),
    ("get", "/api/v1/accounts", "Danh sách tài khoản / Accounts", true),
    ("post", "/api/v1/accounts", "Tạo tài khoản / Create an account", true),
    ("post", "/api/v1/accounts/{id}/password", "Đặt lại mật khẩu / Reset a password", true),
    ("post", "/api/v1/accounts/{id}/roles", "Giao vai trò / Grant a role", true),
    ("post", "/api/v1/accounts/{id}/roles/revoke", "Thu hồi vai trò / Revoke a role", true),
    ("post", "/api/v1/accounts/{id}/totp/disable", "Tắt TOTP / Disable TOTP", true),
    ("get", "/api/v1/calendar/holidays", "Ngày nghỉ lễ của năm (year) / Holidays of a year", false),
    ("get", "/api/v1/calendar/working-days", "Hạn sau n ngày làm việc (start, n) / Due date after n working days", false),
    ("get", "/api/v1/calendar/lunar", "Ngày âm lịch (date) / Lunar date", false),
    ("get", "/api/v1/calendar/decisions", "Quyết định nghỉ, làm bù / Official calendar decisions", false),
    ("post", "/api/v1/calendar/decisions", "Thêm quyết định (day_off, working_day, not_holiday) / Add a decision", true),
    ("delete", "/api/v1/calendar/decisions/{id}", "Xoá quyết định / Remove a decision", true),
    ("get", "/api/v1/procedures", "Danh mục thủ tục (q: tìm không dấu) / The procedure catalogue", false),
    ("post", "/api/v1/procedures", "Công bố phiên bản thủ tục mới / Publish a procedure version", true),
    ("get", "/api/v1/procedures/{code}", "Một thủ tục (phiên bản hiện hành) / One procedure", false),
    ("get", "/api/v1/procedures/{code}/versions", "Các phiên bản của thủ tục / Versions of a procedure", false),
    ("post", "/api/v1/catalogue/import", "Nhập danh mục (JSON) / Import the catalogue", true),
    ("get", "/api/v1/catalogue/export", "Xuất danh mục (JSON) / Export the catalogue", false),
    ("get", "/api/v1/catalogue/export.csv", "Xuất danh mục (CSV) / Export the catalogue as CSV", false),
    ("get", "/api/v1/dossiers", "Hồ sơ cần xử lý (status) / Work queue", true),
    ("post", "/api/v1/dossiers", "Tiếp nhận hồ sơ tại quầy / Receive a dossier at the counter", true),
    ("get", "/api/v1/dossiers/{id}", "Một hồ sơ / One dossier", true),
    ("post", "/api/v1/dossiers/{id}/actions", "Thao tác xử lý hồ sơ / Act on a dossier", true),
    ("get", "/api/v1/dossiers/{id}/attachments", "Tệp đính kèm của hồ sơ / Files of a dossier", true),
    ("post", "/api/v1/dossiers/{id}/attachments", "Nộp tệp (multipart, trường file; PDF/PNG/JPEG ≤ 10 MB) / Upload files", true),
    ("get", "/api/v1/dossiers/{id}/attachments/{file}", "Tải một tệp / Download a file", true),
    ("get", "/api/v1/dossiers/{id}/forms", "Biểu mẫu của hồ sơ / Forms of a dossier", true),
    ("get", "/api/v1/dossiers/{id}/forms/{number}", "Biểu mẫu dạng PDF (01–06) / A form as PDF", true),
    ("get", "/api/v1/register", "Sổ theo dõi hồ sơ (Mẫu 07, PDF; from, to) / Dossier register", true),
    ("get", "/api/v1/citizen/dossiers", "Hồ sơ của tôi / My dossiers", true),
    ("post", "/api/v1/citizen/dossiers", "Nộp hồ sơ trực tuyến / Submit online", true),
    ("get", "/api/v1/public/dossiers/{code}", "Tra cứu tình trạng hồ sơ (proof: số cuối điện thoại/CCCD) / Public status lookup", false),
    ("get", "/api/v1/public/statistics", "Thống kê giải quyết hồ sơ theo cơ quan / Statistics per agency", false),
    ("post", "/api/v1/sms/inbound", "Tin nhắn đến: TRACUU <mã> (cổng SMS) / Inbound SMS from the SMS gateway", true),
    ("get", "/api/v1/registers", "Sổ đăng ký văn bản (unit_id) / Register books", true),
    ("post", "/api/v1/registers", "Mở sổ đăng ký văn bản / Open a register book", true),
    ("get", "/api/v1/documents", "Văn bản đến, đi (direction, status, q: tìm không dấu, mine) / Documents", true),
    ("post", "/api/v1/documents", "Soạn dự thảo văn bản đi / Draft an outgoing document", true),
    ("post", "/api/v1/documents/incoming", "Vào sổ văn bản đến (multipart, tệp tùy chọn) / Register an incoming paper document", true),
    ("get", "/api/v1/documents/{id}", "Một văn bản, thao tác được phép, nơi nhận, phiên bản, tệp, lịch sử / One document with its actions, recipients, versions, files and timeline", true),
    ("post", "/api/v1/documents/{id}/actions", "Thao tác trên văn bản (register, refuse, assign, opinion, complete, revise, submit, forward, send_back, approve, issue, recall) / Act on a document", true),
    ("get", "/api/v1/documents/{id}/files/{file}", "Tải tệp của văn bản / Download a document's file", true),
    ("post", "/api/v1/signatures/verify", "Xác thực chữ ký số trên tệp PDF (multipart trường file, hoặc application/pdf; ≤ 10 MB) / Verify the signatures of a PDF", false),
    ("post", "/api/v1/documents/{id}/signatures/prepare", "Chuẩn bị ký số bằng USB token (certificate: PEM) → bytes_to_sign / Prepare a token signature on an issued document", true),
    ("post", "/api/v1/signatures/{id}/finalise", "Hoàn tất ký số (signature_value: base64) → tệp đã ký / Finalise a token signature", true),
    ("get", "/api/v1/monitoring/province", "Chỉ số 766 toàn tỉnh, xếp hạng đơn vị (from, to) / Province index and ranking of units", true),
    ("get", "/api/v1/monitoring/units/{id}", "Chỉ số 766 của một đơn vị, hồ sơ trễ và quá hạn (from, to) / One unit's index, late and overdue dossiers", true),
    ("get", "/api/v1/events", "Nhật ký sự kiện / The event log", true),
    ("get", "/api/v1/audit/verify", "Kiểm tra chuỗi băm / Verify the hash chain", true),
];

pub fn build() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, auth) in OPERATIONS {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let mut op = json!({
            "summary": summary,
            "responses": {
                "200": {"description": "OK"},
                "4XX": {"description": "Lỗi đầu vào / client error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if path.contains("{id}") {
            op["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}]);
        }
        if path.contains("{file}") {
            op["parameters"] = json!([
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                {"name": "file", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
            ]);
        }
        if path.contains("{number}") {
            op["parameters"] = json!([
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                {"name": "number", "in": "path", "required": true, "schema": {"type": "string", "example": "01"}}
            ]);
        }
        if path.contains("{code}") {
            op["parameters"] = json!([{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}]);
        }
        if *method == "post" || *method == "patch" {
            op["requestBody"] =
                json!({"content": {"application/json": {"schema": {"type": "object"}}}});
        }
        if *auth {
            op["security"] = json!([{"cookie": []}, {"bearer": []}]);
        }
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Sen API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Nền tảng chính quyền điện tử cấp tỉnh / Provincial e-government platform. Browser sessions send X-CSRF-Token on every unsafe request; API clients use a bearer token (login with want_token=true)."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": crate::extract::SESSION_COOKIE},
                "bearer": {"type": "http", "scheme": "bearer"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"},
                        "message_en": {"type": "string"}, "field": {"type": "string"}}}}
                }
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}
