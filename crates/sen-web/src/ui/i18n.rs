//! Interface texts: Vietnamese first, English on request. Templates call
//! `tr.s("key")`; a test checks that every key used in a template exists.

/// (key, Vietnamese, English)
const TEXTS: &[(&str, &str, &str)] = &[
    ("skip", "Chuyển đến nội dung chính", "Skip to content"),
    // E-office (văn bản)
    ("nav_documents", "Văn bản", "Documents"),
    ("nav_monitoring", "Chỉ số phục vụ", "Service index"),
    ("documents_title", "Văn bản đến, văn bản đi", "Incoming and outgoing documents"),
    ("new_draft", "Soạn văn bản mới", "Draft a new document"),
    ("register_incoming", "Vào sổ văn bản đến", "Register an incoming document"),
    ("search_documents", "Tìm văn bản (trích yếu, số ký hiệu, nơi gửi; có dấu hoặc không dấu)", "Find documents (subject, number, sender; with or without accents)"),
    ("direction", "Loại sổ", "Direction"),
    ("all", "Tất cả", "All"),
    ("incoming", "Văn bản đến", "Incoming"),
    ("outgoing", "Văn bản đi", "Outgoing"),
    ("mine_only", "Chỉ văn bản tôi xử lý", "Only those I work on"),
    ("number_symbol", "Số, ký hiệu", "Number/symbol"),
    ("incoming_number", "Số đến", "Incoming number"),
    ("subject", "Trích yếu", "Subject"),
    ("doc_type", "Loại văn bản", "Type"),
    ("doc_date", "Ngày văn bản", "Date"),
    ("doc_body", "Nội dung", "Text"),
    ("doc_due", "Hạn xử lý", "Due"),
    ("doc_no_actions", "Bạn không có thao tác nào với văn bản này lúc này.", "You have no action on this document now."),
    ("send_to", "Trình đến", "Send to"),
    ("handling_unit", "Đơn vị xử lý", "Handling unit"),
    ("handler", "Người xử lý", "Handler"),
    ("whole_unit", "Cả đơn vị (lãnh đạo đơn vị phân công tiếp)", "The whole unit (its leader assigns)"),
    ("opinion", "Ý kiến xử lý", "Opinion"),
    ("note", "Ghi chú", "Note"),
    ("recipients", "Nơi nhận", "Recipients"),
    ("ev_drafted", "Tạo dự thảo", "Drafted"),
    ("ev_registered", "Vào sổ văn bản đến", "Registered"),
    ("ev_arrived", "Văn bản đến", "Arrived"),
    ("sender", "Nơi gửi", "Sender"),
    ("urgency", "Độ khẩn", "Urgency"),
    ("drafting_unit", "Đơn vị soạn thảo", "Drafting unit"),
    ("external_id", "Mã định danh cơ quan ngoài tỉnh (gửi qua trục liên thông)", "Organisation id outside the province (sent through the exchange)"),
    ("external_name", "Tên cơ quan ngoài tỉnh", "Name of that organisation"),
    ("signer_authority", "Thẩm quyền ký (nếu có)", "Signing authority (if any)"),
    ("signer_title", "Chức vụ người ký", "Signer's title"),
    ("save_draft", "Lưu dự thảo", "Save the draft"),
    ("no_register", "Bạn chưa được giao giữ sổ văn bản đến nào.", "You keep no incoming register."),
    ("register_book", "Sổ đăng ký", "Register book"),
    ("related", "Văn bản, hồ sơ liên quan", "Related documents and dossiers"),
    ("answers_document", "Trả lời văn bản", "Answers"),
    ("answered_by", "Được trả lời bằng", "Answered by"),
    ("related_dossier", "Hồ sơ thủ tục hành chính", "One-stop dossier"),
    ("write_answer", "Soạn văn bản trả lời", "Draft an answer"),
    ("related_dossier_code", "Mã hồ sơ liên quan (nếu có)", "Related dossier code (if any)"),
    ("drafting_answer", "Dự thảo này trả lời một văn bản đến; hai văn bản sẽ được liên kết.", "This draft answers an incoming document; the two will be linked."),
    ("back_to_document", "← Quay lại văn bản", "← Back to the document"),
    ("ev_dispatched", "Gửi đến nơi nhận", "Sent to the recipients"),
    ("ev_status", "Nơi nhận báo tình trạng", "A recipient reported its progress"),
    ("token_sign", "Ký số bằng USB token", "Sign with a USB token"),
    ("token_certificate", "Chứng thư số của bạn (PEM, có thể kèm chuỗi chứng thư)", "Your certificate (PEM, optionally with its chain)"),
    ("token_prepare", "Chuẩn bị ký", "Prepare the signature"),
    ("token_signer", "Người ký", "Signer"),
    ("token_expires", "Yêu cầu ký hết hạn lúc", "The request expires at"),
    ("token_step1", "Bước 1: ký dữ liệu bằng USB token", "Step 1: sign the data with your token"),
    ("token_step1_help", "Dùng phần mềm ký số của USB token để ký dữ liệu dưới đây (RSA, SHA-256).", "Sign the data below with your token's software (RSA, SHA-256)."),
    ("token_bytes", "Dữ liệu cần ký (base64)", "Data to sign (base64)"),
    ("token_digest", "Mã băm SHA-256 của dữ liệu (base64)", "SHA-256 of the data (base64)"),
    ("token_openssl", "Với khoá mềm, có thể ký bằng:", "With a software key you can sign with:"),
    ("token_step2", "Bước 2: dán chữ ký", "Step 2: paste the signature"),
    ("token_signature", "Chữ ký (base64)", "Signature (base64)"),
    ("token_finish", "Hoàn tất ký số", "Finish signing"),
    ("scan_file", "Bản quét (PDF, PNG, JPEG; tối đa 10 MB)", "Scan (PDF, PNG, JPEG; at most 10 MB)"),
    // Digital signatures (ký số)
    ("nav_verify", "Xác thực văn bản ký số", "Verify a signed document"),
    ("verify_title", "Xác thực văn bản ký số", "Verify a digitally signed document"),
    ("verify_help", "Tải lên tệp PDF có chữ ký số để biết ai đã ký, ký lúc nào, văn bản còn nguyên vẹn hay đã bị sửa đổi sau khi ký và chữ ký có được tin cậy không. Tệp chỉ được kiểm tra, không được lưu lại.", "Upload a digitally signed PDF to see who signed it and when, whether it is intact or was modified after signing, and whether the signature is trusted. The file is only checked, never stored."),
    ("verify_file", "Tệp PDF cần xác thực", "PDF file to verify"),
    ("verify_file_hint", "Chỉ nhận tệp PDF, tối đa 10 MB.", "PDF only, at most 10 MB."),
    ("verify_choose", "Vui lòng chọn một tệp PDF để xác thực", "Please choose a PDF file to verify"),
    ("verify_button", "Xác thực", "Verify"),
    ("verify_result", "Kết quả xác thực", "Verification result"),
    ("verify_file_name", "Tệp", "File"),
    ("sig_n", "Chữ ký", "Signature"),
    ("sig_signer", "Người ký", "Signed by"),
    ("sig_org", "Cơ quan, tổ chức", "Organisation"),
    ("sig_time", "Thời gian ký", "Signing time"),
    ("sig_time_ts", "theo dấu thời gian", "from the time-stamp"),
    ("sig_time_claimed", "do người ký tự ghi", "as claimed by the signer"),
    ("sig_level", "Loại chữ ký", "Signature level"),
    ("sig_tsa", "Dấu thời gian do", "Time-stamped by"),
    ("sig_subject", "Chứng thư số", "Certificate"),
    ("sig_unknown", "Không rõ", "Unknown"),
    ("check_ok", "Đạt:", "Passed:"),
    ("check_bad", "Không đạt:", "Failed:"),
    ("check_info", "Lưu ý:", "Note:"),
    ("ev_signed", "Ký số", "Digitally signed"),
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
    // Administration of units and accounts (ui/admin.rs).
    ("units_help", "Chọn tên một đơn vị để đổi tên, đổi mã, chuyển hoặc hợp nhất.", "Choose a unit's name to rename, re-code, move or merge it."),
    ("unit_code_hint", "Mã định danh theo Quyết định 20/2020/QĐ-TTg, ví dụ H99.07.", "Identifier code under Decision 20/2020/QĐ-TTg, e.g. H99.07."),
    ("accounts_help", "Chọn tên đăng nhập để cấp hoặc thu hồi vai trò, đặt lại mật khẩu, tắt xác thực hai lớp hoặc khoá tài khoản.", "Choose a user name to grant or revoke roles, reset the password, turn off two-factor sign-in or disable the account."),
    ("account", "Tài khoản", "Account"),
    ("full_name", "Họ và tên", "Full name"),
    ("account_active", "Đang hoạt động", "Active"),
    ("account_disabled", "Đã khoá", "Disabled"),
    ("totp_short", "2 lớp", "2FA"),
    ("back_to_admin", "← Quay lại trang quản trị", "← Back to administration"),
    ("unit_active", "Đang hoạt động", "Active"),
    ("unit_merged", "Đã hợp nhất", "Merged"),
    ("sub_units", "Số đơn vị trực thuộc", "Sub-units"),
    ("unit_is_merged", "Đơn vị đã được hợp nhất nên không thể sửa, chuyển hay hợp nhất tiếp; lịch sử của đơn vị vẫn được giữ nguyên.", "This unit has been merged, so it can no longer be changed, moved or merged; its history is kept."),
    ("change_unit", "Đổi tên, tên viết tắt hoặc mã định danh", "Rename or re-code"),
    ("recode_hint", "Mã hồ sơ đã cấp giữ nguyên mã cũ; hồ sơ tiếp nhận sau khi đổi mang mã mới.", "Dossier codes already issued keep the old code; dossiers received afterwards carry the new one."),
    ("save_changes", "Lưu thay đổi", "Save changes"),
    ("move_unit", "Chuyển sang đơn vị cấp trên khác", "Move under another parent"),
    ("move_hint", "Đơn vị chuyển cùng toàn bộ đơn vị trực thuộc. Vai trò trên đơn vị cấp trên mới sẽ bao gồm đơn vị này; vai trò chỉ trên đơn vị cấp trên cũ thì không còn.", "The unit moves with all its sub-units. Roles on the new parent then cover it; roles held only on the old parent no longer do."),
    ("new_parent", "Đơn vị cấp trên mới", "New parent unit"),
    ("move_button", "Chuyển đơn vị", "Move the unit"),
    ("merge_unit", "Hợp nhất vào đơn vị khác", "Merge into another unit"),
    ("merge_hint", "Bước tiếp theo cho xem trước những gì sẽ chuyển; chỉ khi bấm xác nhận việc hợp nhất mới được thực hiện.", "The next step shows what will move; the merge happens only when you confirm it."),
    ("merge_target", "Đơn vị nhận", "Unit to merge into"),
    ("merge_reason", "Căn cứ hợp nhất (số, ký hiệu nghị quyết hoặc quyết định)", "Legal basis (number of the resolution or decision)"),
    ("merge_preview", "Xem trước việc hợp nhất", "Preview the merge"),
    ("merge_confirm_title", "Xác nhận hợp nhất đơn vị", "Confirm the merge"),
    ("merge_basis", "Căn cứ", "Legal basis"),
    ("merge_moves", "Sẽ chuyển sang đơn vị nhận", "What moves to the receiving unit"),
    ("merge_children", "Đơn vị trực thuộc", "Sub-units"),
    ("merge_grants", "Vai trò của cán bộ trên đơn vị này (vai trò trùng được gộp)", "Staff roles held on this unit (duplicates are combined)"),
    ("merge_stays", "Được giữ nguyên", "What stays"),
    ("merge_keeps_unit", "Đơn vị này không bị xoá: được đánh dấu «Đã hợp nhất», trỏ tới đơn vị nhận, và việc hợp nhất được ghi vào nhật ký cùng căn cứ.", "This unit is not deleted: it is marked «merged», points to the receiving unit, and the merge is logged with its legal basis."),
    ("merge_keeps_dossiers", "Hồ sơ giữ nguyên mã và lịch sử; hồ sơ đang do đơn vị này giữ không tự động chuyển sang đơn vị nhận.", "Dossiers keep their codes and history; dossiers this unit holds are not moved to the receiving unit automatically."),
    ("merge_final", "Không thể hoàn tác việc hợp nhất trên giao diện.", "A merge cannot be undone from the pages."),
    ("merge_confirm", "Xác nhận hợp nhất", "Confirm the merge"),
    ("none", "không có", "none"),
    ("cancel", "Huỷ, quay lại", "Cancel and go back"),
    ("no_roles", "Tài khoản chưa có vai trò nào.", "The account holds no role."),
    ("revoke", "Thu hồi", "Revoke"),
    ("grant_role", "Cấp thêm vai trò", "Grant a role"),
    ("reset_password", "Đặt lại mật khẩu", "Reset the password"),
    ("reset_hint", "Sen tạo một mật khẩu ngẫu nhiên mới và hiển thị một lần duy nhất. Mọi phiên đăng nhập của tài khoản kết thúc; tài khoản đang bị khoá được mở lại.", "Sen makes a new random password and shows it once only. The account's sessions end; a disabled account is enabled again."),
    ("new_password_is", "Mật khẩu mới của", "New password for"),
    ("new_password_once", "Mật khẩu chỉ hiển thị lần này và không được lưu ở đâu. Hãy trao trực tiếp cho người dùng, không gửi qua thư điện tử hay tin nhắn.", "It is shown this once and stored nowhere. Hand it to the user in person, not by e-mail or text message."),
    ("totp_disable", "Tắt xác thực hai lớp", "Turn off two-factor sign-in"),
    ("totp_off_hint", "Dùng khi cán bộ mất thiết bị: lần đăng nhập sau chỉ cần mật khẩu; cán bộ nên bật lại với thiết bị mới.", "For a lost device: the next sign-in needs the password only; the user should turn it on again with the new device."),
    ("totp_not_enabled", "Tài khoản chưa bật xác thực hai lớp.", "Two-factor sign-in is not on for this account."),
    ("account_status_title", "Trạng thái tài khoản", "Account status"),
    ("cannot_disable_self", "Bạn không thể tự khoá tài khoản của mình.", "You cannot disable your own account."),
    ("disable_account", "Khoá tài khoản", "Disable the account"),
    ("disable_hint", "Tài khoản bị khoá không đăng nhập được, các phiên đang mở kết thúc ngay; vai trò và lịch sử được giữ nguyên.", "A disabled account cannot sign in and its open sessions end at once; its roles and history are kept."),
    ("enable_account", "Mở khoá tài khoản", "Enable the account"),
    ("enable_hint", "Cán bộ đăng nhập lại được bằng mật khẩu hiện có.", "The user can sign in again with the current password."),
    ("unit_changed_ok", "Đã lưu thay đổi của đơn vị.", "The unit has been changed."),
    ("unit_moved_ok", "Đã chuyển đơn vị.", "The unit has been moved."),
    ("unit_merged_ok", "Đã hợp nhất đơn vị.", "The unit has been merged."),
    ("role_granted_ok", "Đã cấp vai trò.", "The role has been granted."),
    ("role_revoked_ok", "Đã thu hồi vai trò.", "The role has been revoked."),
    ("nothing_changed", "Không có gì thay đổi.", "Nothing changed."),
    ("totp_off_ok", "Đã tắt xác thực hai lớp.", "Two-factor sign-in has been turned off."),
    ("account_disabled_ok", "Đã khoá tài khoản.", "The account has been disabled."),
    ("account_enabled_ok", "Đã mở khoá tài khoản.", "The account has been enabled."),
    // The citizen's supplement (ui/citizen.rs).
    ("supplement_title", "Bổ sung hồ sơ", "Supplement the dossier"),
    ("supplement_now", "Bổ sung ngay", "Supplement now"),
    ("supplement_asked", "Cơ quan giải quyết yêu cầu", "The agency asks"),
    ("supplement_missing", "Thành phần cần bổ sung", "Documents to supply"),
    ("supplement_files", "Tệp bổ sung (PDF, PNG hoặc JPEG, mỗi tệp tối đa 10 MB)", "Files (PDF, PNG or JPEG, at most 10 MB each)"),
    ("supplement_button", "Gửi hồ sơ bổ sung", "Send the supplement"),
    ("supplement_ok", "Đã gửi hồ sơ bổ sung; cơ quan giải quyết sẽ tiếp tục xử lý.", "The supplement has been sent; the agency will carry on with your dossier."),
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
    ("mon_computed", "số liệu tính lúc", "figures computed at"),
    ("mon_period", "Khoảng thời gian", "Period"),
    ("mon_from", "Từ ngày", "From"),
    ("mon_to", "Đến ngày", "To"),
    ("mon_show", "Xem", "Show"),
    ("mon_export_xlsx", "Tải bảng tính Excel (.xlsx)", "Download as Excel (.xlsx)"),
    ("mon_export_pdf", "Tải báo cáo PDF", "Download the PDF report"),
    ("mon_summary", "Tình hình giải quyết hồ sơ", "Dossiers handled"),
    ("mon_received", "Hồ sơ tiếp nhận", "Dossiers received"),
    ("mon_received_online", "Tiếp nhận trực tuyến", "Received online"),
    ("mon_online_share", "Tỷ lệ hồ sơ trực tuyến", "Online share"),
    ("mon_finished", "Đã giải quyết", "Finished"),
    ("mon_on_time", "Đúng hạn, trước hạn", "Early or on time"),
    ("mon_on_time_rate", "Tỷ lệ đúng hạn", "On-time rate"),
    ("mon_late", "Trễ hạn", "Late"),
    ("mon_late_rate", "Tỷ lệ trễ hạn (kể cả đang quá hạn)", "Late rate (overdue included)"),
    ("mon_open", "Đang giải quyết", "Open"),
    ("mon_overdue", "Quá hạn (hiện tại)", "Overdue now"),
    ("mon_avg_days", "Thời gian giải quyết trung bình (ngày)", "Average processing time (days)"),
    ("mon_satisfaction", "Tỷ lệ hài lòng (4–5 điểm)", "Satisfied (4–5 of 5)"),
    ("mon_rated", "Lượt đánh giá", "Ratings"),
    ("mon_avg_rating", "Điểm đánh giá trung bình", "Average rating"),
    ("mon_index", "Chỉ số", "Index"),
    ("mon_criterion", "Nhóm, tiêu chí", "Group, criterion"),
    ("mon_target", "Chỉ tiêu", "Target"),
    ("mon_rate", "Tỷ lệ đạt", "Rate"),
    ("mon_points", "Điểm", "Points"),
    ("mon_max", "Tối đa", "Maximum"),
    ("mon_total", "Tổng điểm", "Total"),
    ("mon_percent", "Đạt (% điểm có dữ liệu)", "Score (% of points with data)"),
    ("mon_no_data", "Chưa có dữ liệu", "No data"),
    ("mon_no_data_note", "Tiêu chí mà Sen chưa có dữ liệu được ghi «Chưa có dữ liệu»: không tính điểm và không tính vào điểm tối đa.", "Criteria Sen has no data for are marked «No data»: they score nothing and are left out of the maximum."),
    ("mon_chart_groups", "Điểm theo nhóm tiêu chí (phần tô đậm: điểm đạt; phần nhạt: điểm tối đa có dữ liệu; khung: điểm tối đa)", "Points by group (dark: points earned; light: maximum with data; outline: maximum)"),
    ("mon_chart_months", "Hồ sơ theo tháng: cột xanh đúng hạn, cột đỏ trễ hạn, chấm xanh dương số tiếp nhận", "Dossiers per month: green on time, red late, blue dot received"),
    ("mon_chart_table", "Số liệu của biểu đồ ở bảng dưới đây.", "The chart's figures are in the table below."),
    ("mon_legend_months", "Cột xanh: đúng hạn; cột đỏ: trễ hạn; chấm: số hồ sơ tiếp nhận. Số liệu ở bảng dưới đây.", "Green: on time; red: late; dot: received. The figures are in the table below."),
    ("mon_months", "Hồ sơ theo tháng", "Dossiers per month"),
    ("mon_month", "Tháng", "Month"),
    ("mon_ranking", "Xếp hạng đơn vị", "Ranking of units"),
    ("mon_rank", "Hạng", "Rank"),
    ("mon_unit", "Đơn vị", "Unit"),
    ("mon_back", "Về bảng điều hành toàn tỉnh", "Back to the province dashboard"),
    ("mon_procedures", "Theo thủ tục", "By procedure"),
    ("mon_late_list", "Hồ sơ trễ hạn và quá hạn", "Late and overdue dossiers"),
    ("mon_kind_late", "Giải quyết trễ hạn", "Finished late"),
    ("mon_kind_overdue", "Quá hạn, đang giải quyết", "Overdue, still open"),
    ("mon_due", "Hạn giải quyết", "Due"),
    ("mon_completed", "Ngày hoàn thành", "Finished on"),
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
