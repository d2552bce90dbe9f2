//! Interface texts: Vietnamese first, English on request. Templates call
//! `tr.s("key")`; a test checks that every key used in a template exists.

/// (key, Vietnamese, English)
const TEXTS: &[(&str, &str, &str)] = &[
    ("skip", "Chuyển đến nội dung chính", "Skip to content"),
    ("language", "Ngôn ngữ", "Language"),
    ("other_lang", "English", "Tiếng Việt"),
    ("portal", "Cổng dịch vụ công", "Public service portal"),
    ("footer", "Sen – nền tảng chính quyền điện tử mở cho các tỉnh, thành phố.", "Sen – open e-government platform for Vietnamese provinces."),
    ("nav_procedures", "Thủ tục hành chính", "Procedures"),
    ("nav_lookup", "Tra cứu hồ sơ", "Look up a dossier"),
    ("nav_staff", "Cán bộ", "Officials"),
    ("nav_queue", "Hồ sơ cần xử lý", "Work queue"),
    ("nav_intake", "Tiếp nhận hồ sơ", "Receive a dossier"),
    ("sign_in", "Đăng nhập", "Sign in"),
    ("sign_out", "Đăng xuất", "Sign out"),
    ("signed_in_as", "Đang đăng nhập:", "Signed in as"),
    ("search", "Tìm kiếm", "Search"),
    ("search_procedures", "Tìm thủ tục (gõ có dấu hoặc không dấu)", "Find a procedure (with or without accents)"),
    ("no_results", "Không tìm thấy kết quả phù hợp.", "Nothing matches."),
    ("code", "Mã", "Code"),
    ("name", "Tên", "Name"),
    ("field", "Lĩnh vực", "Field"),
    ("online_level", "Mức độ trực tuyến", "Online service"),
    ("online_full", "Toàn trình", "Fully online"),
    ("online_partial", "Một phần", "Partly online"),
    ("online_none", "Không trực tuyến", "Not online"),
    ("processing_time", "Thời hạn giải quyết", "Processing time"),
    ("working_days", "ngày làm việc", "working days"),
    ("fees", "Phí, lệ phí", "Fees"),
    ("no_fee", "Không thu phí", "No fee"),
    ("components", "Thành phần hồ sơ", "Required documents"),
    ("originals", "bản chính", "original(s)"),
    ("copies", "bản sao", "cop(ies)"),
    ("optional", "không bắt buộc", "optional"),
    ("process", "Trình tự thực hiện", "Process"),
    ("cutoff_note", "Giờ chốt nhận hồ sơ trong ngày", "Daily receipt cut-off"),
    ("nav_calendar", "Lịch làm việc", "Working calendar"),
    ("calendar_title", "Lịch làm việc và ngày nghỉ", "Working calendar and holidays"),
    ("holidays_of", "Ngày nghỉ năm", "Holidays in"),
    ("date", "Ngày", "Date"),
    ("kind", "Loại", "Kind"),
    ("decisions", "Quyết định của cơ quan có thẩm quyền", "Official decisions"),
    ("add_decision", "Thêm quyết định", "Add a decision"),
    ("day_off", "Nghỉ thêm (ngày nghỉ)", "Extra day off"),
    ("working_day", "Làm bù (ngày làm việc)", "Swapped working day"),
    ("not_holiday", "Huỷ ngày nghỉ mặc định", "Cancel a default holiday"),
    ("decision_name", "Tên ngày nghỉ / lý do", "Name / reason"),
    ("reference", "Căn cứ (số, ký hiệu văn bản)", "Reference (number of the official text)"),
    ("remove", "Xoá", "Remove"),
    ("statutory", "Nghỉ lễ theo luật", "Statutory"),
    ("compensatory", "Nghỉ bù", "Compensatory"),
    ("decision", "Theo quyết định", "By decision"),
    ("no_decisions", "Chưa có quyết định nào.", "No decisions yet."),
    ("competent_units", "Cơ quan giải quyết", "Competent agency"),
    ("dossier_code", "Mã hồ sơ", "Dossier code"),
    ("lookup_title", "Tra cứu tình trạng hồ sơ", "Dossier status lookup"),
    ("lookup_help", "Nhập mã hồ sơ in trên Giấy tiếp nhận. Để xem thông tin cá nhân, nhập thêm 4 số cuối điện thoại hoặc số định danh của người nộp.", "Enter the code printed on your receipt. To see personal details, add the last 4 digits of the applicant's phone or ID number."),
    ("proof", "4 số cuối điện thoại hoặc số định danh (không bắt buộc)", "Last 4 digits of phone or ID number (optional)"),
    ("lookup_button", "Tra cứu", "Look up"),
    ("status", "Tình trạng", "Status"),
    ("due", "Hẹn trả kết quả", "Due"),
    ("applicant", "Người nộp", "Applicant"),
    ("timeline", "Quá trình xử lý", "History"),
    ("time", "Thời gian", "Time"),
    ("step", "Bước", "Step"),
    ("action", "Thao tác", "Action"),
    ("procedure", "Thủ tục", "Procedure"),
    ("timeliness", "Kết quả đúng hạn", "Timeliness"),
    ("early", "Trước hạn", "Early"),
    ("on_time", "Đúng hạn", "On time"),
    ("late", "Quá hạn", "Late"),
    ("not_found_title", "Không tìm thấy", "Not found"),
    ("error_title", "Có lỗi cần sửa", "There is a problem"),
    ("username", "Tên đăng nhập", "User name"),
    ("password", "Mật khẩu", "Password"),
    ("totp_code", "Mã xác thực 6 số (ứng dụng xác thực)", "6-digit code (authenticator app)"),
    ("staff_sign_in", "Cán bộ đăng nhập", "Sign in for officials"),
    ("queue_title", "Hồ sơ cần xử lý", "Work queue"),
    ("queue_empty", "Không có hồ sơ nào cần xử lý.", "No dossiers to handle."),
    ("unit", "Đơn vị đang giữ", "Held by"),
    ("open", "Mở", "Open"),
    ("dossier", "Hồ sơ", "Dossier"),
    ("actions", "Xử lý", "Actions"),
    ("no_actions", "Bạn không có thao tác nào với hồ sơ ở bước này.", "You have no action on this dossier at this step."),
    ("to_step", "Chuyển đến bước", "To step"),
    ("reason", "Lý do", "Reason"),
    ("missing", "Thành phần cần bổ sung (mỗi dòng một mục)", "Documents to supplement (one per line)"),
    ("new_due", "Ngày hẹn mới", "New due date"),
    ("score", "Mức độ hài lòng (1–5)", "Satisfaction (1–5)"),
    ("submit", "Gửi", "Submit"),
    ("intake_title", "Tiếp nhận hồ sơ tại quầy", "Receive a dossier at the counter"),
    ("applicant_name", "Họ và tên người nộp", "Applicant's full name"),
    ("phone", "Số điện thoại", "Phone number"),
    ("email", "Thư điện tử", "E-mail"),
    ("id_number", "Số định danh cá nhân (CCCD)", "Personal ID number"),
    ("address", "Địa chỉ", "Address"),
    ("receive_button", "Tiếp nhận và in giấy hẹn", "Receive and print the receipt"),
    ("choose", "— Chọn —", "— Choose —"),
    ("done_ok", "Đã thực hiện.", "Done."),
    ("received_ok", "Đã tiếp nhận hồ sơ.", "The dossier has been received."),
    ("forms", "Biểu mẫu", "Forms"),
    ("form_prefix", "Mẫu", "Form"),
    ("nav_my_dossiers", "Hồ sơ của tôi", "My dossiers"),
    ("nav_stats", "Thống kê", "Statistics"),
    ("my_account", "Tài khoản của tôi", "My account"),
    ("nav_admin", "Quản trị", "Administration"),
    ("admin_title", "Quản trị hệ thống", "Administration"),
    ("units_title", "Đơn vị", "Units"),
    ("add_unit", "Thêm đơn vị", "Add a unit"),
    ("parent_unit", "Đơn vị cấp trên", "Parent unit"),
    ("abbreviation", "Tên viết tắt", "Abbreviation"),
    ("accounts_title", "Tài khoản cán bộ", "Staff accounts"),
    ("add_account", "Tạo tài khoản", "Create an account"),
    ("unit_of_role", "Đơn vị giữ vai trò", "Unit the role is held on"),
    ("catalogue_title", "Danh mục thủ tục hành chính", "Procedure catalogue"),
    ("export_json", "Xuất danh mục (JSON)", "Export (JSON)"),
    ("export_csv", "Xuất danh mục (CSV)", "Export (CSV)"),
    ("import_json", "Nhập danh mục từ tệp JSON", "Import a catalogue from a JSON file"),
    ("import", "Nhập", "Import"),
    ("roles", "Vai trò", "Roles"),
    ("totp", "Xác thực hai lớp (TOTP)", "Two-factor sign-in (TOTP)"),
    ("totp_on", "Đang bật", "On"),
    ("totp_off", "Chưa bật", "Off"),
    ("totp_enable", "Bật xác thực hai lớp", "Turn on two-factor sign-in"),
    ("totp_setup", "Thiết lập ứng dụng xác thực", "Set up your authenticator app"),
    ("totp_setup_help", "Thêm khoá sau vào ứng dụng xác thực (Google Authenticator, FreeOTP…), rồi nhập mã 6 số ứng dụng hiển thị.", "Add this key to your authenticator app (Google Authenticator, FreeOTP…), then enter the 6-digit code it shows."),
    ("totp_confirm", "Xác nhận và bật", "Confirm and turn on"),
    ("attachments", "Tệp đính kèm", "Attached files"),
    ("files_label", "Tệp đính kèm (PDF, PNG hoặc JPEG, mỗi tệp tối đa 10 MB)", "Files (PDF, PNG or JPEG, at most 10 MB each)"),
    ("not_scanned", "chưa quét virus", "not virus-scanned"),
    ("stats_title", "Tình hình giải quyết hồ sơ theo cơ quan", "Dossiers handled per agency"),
    ("stats_help", "Số liệu cập nhật theo thời gian thực từ nhật ký xử lý hồ sơ.", "Live figures from the dossiers' history."),
    ("agency", "Cơ quan", "Agency"),
    ("st_received", "Đã tiếp nhận", "Received"),
    ("st_finished", "Đã giải quyết", "Finished"),
    ("st_rate", "Tỷ lệ đúng hạn", "On-time rate"),
    ("st_open", "Đang giải quyết", "Open"),
    ("citizen_sign_in", "Đăng nhập công dân", "Citizen sign-in"),
    ("citizen_sign_in_help", "Nhập số điện thoại di động hoặc thư điện tử; chúng tôi gửi mã xác thực một lần.", "Enter your mobile number or e-mail; we send you a one-time code."),
    ("phone_or_email", "Số điện thoại hoặc thư điện tử", "Phone number or e-mail"),
    ("send_code", "Gửi mã xác thực", "Send the code"),
    ("code_sent", "Mã xác thực đã được gửi. Mã có hiệu lực 10 phút.", "The code has been sent. It is valid for 10 minutes."),
    ("otp_code", "Mã xác thực (6 số)", "Code (6 digits)"),
    ("demo_code", "Chế độ thử nghiệm – mã của bạn là:", "Demo mode – your code is:"),
    ("submit_online", "Nộp hồ sơ trực tuyến", "Apply online"),
    ("submit_title", "Nộp hồ sơ trực tuyến", "Apply online"),
    ("submit_button", "Nộp hồ sơ", "Submit the application"),
    ("submitted_ok", "Đã nộp hồ sơ. Bộ phận Một cửa sẽ kiểm tra và tiếp nhận.", "Submitted. The one-stop desk will check and receive it."),
    ("my_dossiers_empty", "Bạn chưa có hồ sơ nào.", "You have no dossiers yet."),
    ("rate", "Đánh giá mức độ hài lòng", "Rate the service"),
    ("rated", "Cảm ơn ông/bà đã đánh giá.", "Thank you for your rating."),
    ("sign_in_to_submit", "Đăng nhập để nộp hồ sơ trực tuyến", "Sign in to apply online"),
    ("home_intro", "Tra cứu thủ tục, nộp hồ sơ và theo dõi tình trạng giải quyết.", "Find procedures, apply and follow your dossier."),
    ("units_registered", "đơn vị hành chính đã đăng ký", "administrative units registered"),
    ("today_is", "Hôm nay là", "Today is"),
    ("api", "API mở", "Open API"),
    ("api_text", "Hệ thống của các cơ quan kết nối qua API JSON có tài liệu:", "Agencies' systems connect through the documented JSON API:"),
];

/// "tiếp nhận hồ sơ" → "Tiếp nhận hồ sơ".
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    pub en: bool,
}

impl Tr {
    pub fn s(&self, key: &str) -> &'static str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, vi, en)) => {
                if self.en {
                    en
                } else {
                    vi
                }
            }
            None => {
                tracing::error!(key, "missing interface text");
                "?"
            }
        }
    }

    pub fn lang(&self) -> &'static str {
        if self.en {
            "en"
        } else {
            "vi"
        }
    }

    pub fn other(&self) -> &'static str {
        if self.en {
            "vi"
        } else {
            "en"
        }
    }

    /// A date-time stored as `YYYY-MM-DDTHH:MM` (Vietnam time), written the
    /// Vietnamese way: "09 giờ 00 phút, ngày 16 tháng 3 năm 2026".
    pub fn datetime(&self, s: &str) -> String {
        match chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
            Ok(t) if self.en => t.format("%H:%M, %-d %B %Y").to_string(),
            Ok(t) => sen_domain::vi::long_datetime(t),
            Err(_) => s.to_string(),
        }
    }

    pub fn status(&self, s: &str) -> String {
        match sen_domain::dossier::DossierStatus::parse(s) {
            Ok(st) if self.en => st.label_en().to_string(),
            Ok(st) => st.label_vi().to_string(),
            Err(_) => s.to_string(),
        }
    }

    pub fn action(&self, s: &str) -> String {
        match sen_domain::dossier::ActionKind::parse(s) {
            Ok(a) if self.en => capitalise(a.label_en()),
            Ok(a) => capitalise(a.label_vi()),
            Err(_) if s == "submitted" => (if self.en {
                "Submitted"
            } else {
                "Nộp hồ sơ"
            })
            .to_string(),
            Err(_) if s == "attachment_added" => (if self.en {
                "File attached"
            } else {
                "Nộp tệp đính kèm"
            })
            .to_string(),
            Err(_) => s.to_string(),
        }
    }

    pub fn money(&self, vnd: &u64) -> String {
        format!("{} đồng", sen_domain::vi::number(*vnd as i64))
    }

    pub fn online(&self, level: &str) -> &'static str {
        self.s(match level {
            "full" => "online_full",
            "partial" => "online_partial",
            _ => "online_none",
        })
    }

    pub fn worktime(&self, w: &sen_domain::procedure::WorkTime) -> String {
        if self.en {
            w.label_en()
        } else {
            w.label_vi()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_templates_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("tr.s(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                assert!(
                    TEXTS.iter().any(|(k, _, _)| *k == key),
                    "{}: missing text «{key}»",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn keys_are_unique_and_translated() {
        for (i, (k, vi, en)) in TEXTS.iter().enumerate() {
            assert!(!vi.is_empty() && !en.is_empty(), "{k}");
            assert!(
                TEXTS[i + 1..].iter().all(|(k2, _, _)| k2 != k),
                "duplicate {k}"
            );
        }
    }
}
