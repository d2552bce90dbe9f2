//! Server-rendered pages (Vietnamese first, English on `?lang=en`).

use crate::WebState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

pub struct Texts {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub language: &'static str,
    pub skip: &'static str,
    pub title: &'static str,
    pub no_province: &'static str,
    pub today: String,
    pub lookup_title: &'static str,
    pub lookup_text: &'static str,
    pub services_title: &'static str,
    pub services_text: &'static str,
    pub staff_title: &'static str,
    pub staff_text: &'static str,
    pub api_title: &'static str,
    pub api_text: &'static str,
    pub units_line: String,
    pub footer: &'static str,
}

fn texts(en: bool, units: i64) -> Texts {
    let today = chrono::Utc::now()
        .with_timezone(&sen_domain::vi::vn_offset())
        .date_naive();
    if en {
        Texts {
            lang: "en",
            other_lang: "vi",
            other_lang_name: "Tiếng Việt",
            language: "Language",
            skip: "Skip to content",
            title: "Public service portal",
            no_province: "No province has been set up yet: run `sen demo` or create one.",
            today: format!("Today is {}.", today.format("%-d %B %Y")),
            lookup_title: "Look up a dossier",
            lookup_text: "Check the status of your dossier with the code on your receipt.",
            services_title: "Administrative procedures",
            services_text:
                "Find a procedure, its documents, fees and processing time, and submit online.",
            staff_title: "For officials",
            staff_text: "One-stop desk, processing, e-office and reports.",
            api_title: "Open API",
            api_text: "Agencies' systems connect through the documented JSON API:",
            units_line: format!("{units} administrative units are registered."),
            footer: "Sen – open e-government platform for Vietnamese provinces.",
        }
    } else {
        Texts {
            lang: "vi",
            other_lang: "en",
            other_lang_name: "English",
            language: "Ngôn ngữ",
            skip: "Chuyển đến nội dung chính",
            title: "Cổng dịch vụ công",
            no_province: "Chưa thiết lập tỉnh nào: hãy chạy `sen demo` hoặc tạo tỉnh mới.",
            today: format!("Hôm nay là {}.", sen_domain::vi::long_date(today)),
            lookup_title: "Tra cứu hồ sơ",
            lookup_text: "Xem tình trạng hồ sơ bằng mã hồ sơ in trên giấy tiếp nhận.",
            services_title: "Thủ tục hành chính",
            services_text: "Tìm thủ tục, thành phần hồ sơ, lệ phí, thời hạn giải quyết và nộp hồ sơ trực tuyến.",
            staff_title: "Dành cho cán bộ",
            staff_text: "Một cửa, xử lý hồ sơ, văn phòng điện tử và báo cáo.",
            api_title: "API mở",
            api_text: "Hệ thống của các cơ quan kết nối qua API JSON có tài liệu:",
            units_line: format!("Có {} đơn vị hành chính đã đăng ký.", sen_domain::vi::number(units)),
            footer: "Sen – nền tảng chính quyền điện tử mở cho các tỉnh, thành phố.",
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    t: Texts,
    province: Option<String>,
}

pub async fn home(State(state): State<WebState>, Query(q): Query<LangQuery>) -> Response {
    let en = q.lang.as_deref() == Some("en");
    let (province, units) = match state.app.public_overview().await {
        Ok((t, n)) => (t.map(|t| t.name), n),
        Err(e) => {
            tracing::error!(error = %e, "home page: cannot read the province");
            (None, 0)
        }
    };
    match (Home {
        t: texts(en, units),
        province,
    })
    .render()
    {
        Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template error");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}
