//! Administration pages (`/can-bo/quan-tri`): the unit tree (create, rename
//! or re-code, move under another parent, merge into another unit after a
//! confirmation that says what moves), staff accounts (create, grant and
//! revoke roles, reset the password to a generated one shown once, turn off
//! TOTP, disable and re-enable) and the catalogue import. Each form posts to
//! one use case of `sen_app`, which checks the permission; its error comes
//! back as the page with an error summary.

use super::{csrf_ok, csrf_refused, error_of, error_page, render, staff, Page, PageCtx, Tr};
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sen_app::model::Unit;
use sen_app::{Actor, AppError};
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/can-bo/quan-tri", get(admin_page))
        .route("/can-bo/quan-tri/don-vi", post(admin_add_unit))
        .route("/can-bo/quan-tri/tai-khoan", post(admin_add_account))
        .route(
            "/can-bo/quan-tri/danh-muc",
            post(admin_import).layer(axum::extract::DefaultBodyLimit::max(
                crate::UPLOAD_BODY_LIMIT,
            )),
        )
        .route("/can-bo/quan-tri/don-vi/{id}", get(unit_page))
        .route("/can-bo/quan-tri/don-vi/{id}/doi-ten", post(unit_change))
        .route("/can-bo/quan-tri/don-vi/{id}/chuyen", post(unit_move))
        .route("/can-bo/quan-tri/don-vi/{id}/hop-nhat", post(unit_merge))
        .route("/can-bo/quan-tri/tai-khoan/{id}", get(account_page))
        .route(
            "/can-bo/quan-tri/tai-khoan/{id}/vai-tro",
            post(account_grant),
        )
        .route(
            "/can-bo/quan-tri/tai-khoan/{id}/thu-hoi",
            post(account_revoke),
        )
        .route(
            "/can-bo/quan-tri/tai-khoan/{id}/mat-khau",
            post(account_reset_password),
        )
        .route(
            "/can-bo/quan-tri/tai-khoan/{id}/totp",
            post(account_totp_off),
        )
        .route(
            "/can-bo/quan-tri/tai-khoan/{id}/trang-thai",
            post(account_status),
        )
}

/// `?ok=KEY` after a redirect: the notice of this page's own actions.
#[derive(Deserialize, Default)]
struct OkQuery {
    ok: Option<String>,
}

fn notice(tr: Tr, ok: Option<&str>) -> Option<String> {
    let key = match ok? {
        "renamed" => "unit_changed_ok",
        "moved" => "unit_moved_ok",
        "merged" => "unit_merged_ok",
        "granted" => "role_granted_ok",
        "revoked" => "role_revoked_ok",
        "unchanged" => "nothing_changed",
        "totp_off" => "totp_off_ok",
        "disabled" => "account_disabled_ok",
        "enabled" => "account_enabled_ok",
        _ => "done_ok",
    };
    Some(tr.s(key).to_string())
}

fn to_login() -> Response {
    Redirect::to("/can-bo/dang-nhap").into_response()
}

/// The units in tree order (each parent followed by its subtree, siblings
/// by code), each with its depth.
fn tree_order(units: &[Unit]) -> Vec<(&Unit, usize)> {
    let mut out = Vec::with_capacity(units.len());
    let known = |id: Uuid| units.iter().any(|u| u.id == id);
    let mut stack: Vec<(&Unit, usize)> = units
        .iter()
        .filter(|u| u.parent_id.is_none_or(|p| !known(p)))
        .rev()
        .map(|u| (u, 0))
        .collect();
    while let Some((u, depth)) = stack.pop() {
        if out.iter().any(|(x, _): &(&Unit, usize)| x.id == u.id) || depth > 64 {
            continue;
        }
        out.push((u, depth));
        stack.extend(
            units
                .iter()
                .filter(|c| c.parent_id == Some(u.id))
                .rev()
                .map(|c| (c, depth + 1)),
        );
    }
    out
}

/// `id` and every unit below it.
fn subtree_of(units: &[Unit], id: Uuid) -> Vec<Uuid> {
    sen_app::org::subtree(units, &[id])
}

fn unit_status(tr: Tr, status: &str) -> &'static str {
    tr.s(if status == "merged" {
        "unit_merged"
    } else {
        "unit_active"
    })
}

fn role_label(tr: Tr, role: sen_domain::access::Role) -> &'static str {
    if tr.en {
        role.label_en()
    } else {
        role.label_vi()
    }
}

fn kind_label(kind: &str) -> &'static str {
    sen_domain::org::UnitKind::parse(kind)
        .map(|k| k.label_vi())
        .unwrap_or("")
}

/// A unit as a choice in a list: "H99.02 – Sở Tư pháp".
pub struct UnitChoice {
    pub id: Uuid,
    pub label: String,
}

fn choice(u: &Unit, depth: usize) -> UnitChoice {
    UnitChoice {
        id: u.id,
        label: format!("{}{} – {}", "– ".repeat(depth), u.code, u.name),
    }
}

// ----- the administration page -----

pub struct UnitRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub abbreviation: String,
    pub status: &'static str,
    /// Dashes showing the depth in the tree.
    pub indent: String,
    pub active: bool,
}

pub struct AccountRow {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub roles: String,
    pub active: bool,
    pub totp: bool,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    tr: Tr,
    ctx: PageCtx,
    units: Vec<UnitRow>,
    active_units: Vec<UnitChoice>,
    accounts: Vec<AccountRow>,
    kinds: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
}

fn role_choices(tr: Tr) -> Vec<(&'static str, &'static str)> {
    sen_domain::access::Role::ALL
        .iter()
        .map(|r| (r.as_str(), role_label(tr, *r)))
        .collect()
}

async fn admin_view(state: &WebState, p: Page, status: StatusCode) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return to_login();
    };
    let load = async {
        let units = state.app.units(&actor, tenant, None).await?;
        let accounts = state.app.accounts(&actor, tenant).await?;
        Ok::<_, AppError>((units, accounts))
    };
    let (units, accounts) = match load.await {
        Ok(x) => x,
        Err(e) => return error_page(p, e),
    };
    let tr = p.tr;
    let ordered = tree_order(&units);
    let rows = ordered
        .iter()
        .map(|(u, depth)| UnitRow {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            abbreviation: u.abbreviation.clone(),
            status: unit_status(tr, &u.status),
            indent: "– ".repeat(*depth),
            active: u.status == "active",
        })
        .collect();
    let active_units = ordered
        .iter()
        .filter(|(u, _)| u.status == "active")
        .map(|(u, d)| choice(u, *d))
        .collect();
    let code_of = |id: Uuid| {
        units
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.code.clone())
            .unwrap_or_default()
    };
    let accounts = accounts
        .into_iter()
        .map(|(a, g)| AccountRow {
            id: a.id,
            roles: g
                .iter()
                .map(|g| format!("{} ({})", role_label(tr, g.role), code_of(g.unit_id)))
                .collect::<Vec<_>>()
                .join(", "),
            active: a.status == "active",
            totp: a.totp_enabled,
            username: a.username,
            full_name: a.full_name,
        })
        .collect();
    let kinds = sen_domain::org::UnitKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label_vi()))
        .collect();
    render(
        status,
        AdminPage {
            tr,
            ctx: p.ctx,
            units: rows,
            active_units,
            accounts,
            kinds,
            roles: role_choices(tr),
        },
    )
}

async fn admin_page(State(state): State<WebState>, p: Page) -> Response {
    admin_view(&state, p, StatusCode::OK).await
}

#[derive(Deserialize)]
struct UnitForm {
    #[serde(default)]
    csrf_token: String,
    parent_id: Uuid,
    code: String,
    abbreviation: String,
    name: String,
    kind: String,
}

async fn admin_add_unit(
    State(state): State<WebState>,
    mut p: Page,
    Form(f): Form<UnitForm>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let input = sen_app::org::NewUnit {
        parent_id: f.parent_id,
        code: f.code,
        abbreviation: f.abbreviation,
        name: f.name,
        kind: f.kind,
    };
    match state.app.create_unit(&actor, input).await {
        Ok(_) => Redirect::to("/can-bo/quan-tri?ok=done").into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some(match fe.field.as_deref() {
                Some("name") => "unit_name".to_string(),
                Some("kind") => "unit_kind".to_string(),
                Some("abbreviation") => "abbreviation".to_string(),
                Some("parent_id") => "parent_id".to_string(),
                // Invalid or already used codes.
                _ => "unit_code".to_string(),
            });
            p.ctx.errors.push(fe);
            admin_view(&state, p, status).await
        }
    }
}

#[derive(Deserialize)]
struct AccountForm {
    #[serde(default)]
    csrf_token: String,
    username: String,
    full_name: String,
    #[serde(default)]
    email: String,
    password: String,
    role: String,
    unit_id: Uuid,
}

async fn admin_add_account(
    State(state): State<WebState>,
    mut p: Page,
    Form(f): Form<AccountForm>,
) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let input = sen_app::accounts::NewAccount {
        username: f.username,
        full_name: f.full_name,
        email: Some(f.email).filter(|e| !e.trim().is_empty()),
        password: f.password,
        roles: vec![sen_app::accounts::NewGrant {
            role: f.role,
            unit_id: f.unit_id,
        }],
    };
    match state.app.create_account(&actor, tenant, input).await {
        Ok(_) => Redirect::to("/can-bo/quan-tri?ok=done").into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some(match fe.field.as_deref() {
                Some("full_name") => "acc_full_name".to_string(),
                Some("email") => "acc_email".to_string(),
                Some("password") => "acc_password".to_string(),
                Some("role") => "acc_role".to_string(),
                // Invalid or taken user names.
                _ => "acc_username".to_string(),
            });
            p.ctx.errors.push(fe);
            admin_view(&state, p, status).await
        }
    }
}

async fn admin_import(
    State(state): State<WebState>,
    mut p: Page,
    multipart: axum::extract::Multipart,
) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return to_login();
    };
    let (files, fields) = match crate::api::read_multipart(multipart).await {
        Ok(x) => x,
        Err(e) => {
            return error_page(
                p,
                AppError::Invalid(sen_domain::Invalid::new(
                    "catalogue",
                    e.message,
                    e.message_en,
                )),
            )
        }
    };
    let csrf = fields
        .iter()
        .find(|(n, _)| n == "csrf_token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if !csrf_ok(&p, &csrf) {
        return csrf_refused(p);
    }
    let parsed = files
        .first()
        .ok_or_else(|| {
            AppError::Invalid(sen_domain::Invalid::new(
                "catalogue",
                "Chưa chọn tệp",
                "no file chosen",
            ))
        })
        .and_then(|(_, bytes)| {
            serde_json::from_slice::<Vec<sen_app::catalogue::ProcedureSpec>>(bytes).map_err(|e| {
                AppError::Invalid(sen_domain::Invalid::new(
                    "catalogue",
                    format!("Tệp không phải danh mục thủ tục hợp lệ (JSON): {e}"),
                    format!("the file is not a valid catalogue (JSON): {e}"),
                ))
            })
        });
    let result = match parsed {
        Ok(specs) => state.app.import_catalogue(&actor, tenant, specs).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(report) => {
            let msg = if p.tr.en {
                format!(
                    "Imported: {} new version(s) ({}); {} unchanged.",
                    report.published.len(),
                    report.published.join(", "),
                    report.unchanged
                )
            } else {
                format!(
                    "Đã nhập: {} phiên bản mới ({}); {} thủ tục không đổi.",
                    report.published.len(),
                    report.published.join(", "),
                    report.unchanged
                )
            };
            p.ctx.notice = Some(msg);
            admin_view(&state, p, StatusCode::OK).await
        }
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some("catalogue".into());
            p.ctx.errors.push(fe);
            admin_view(&state, p, status).await
        }
    }
}

// ----- one unit: rename, move, merge -----

/// What the unit page's forms hold when it is shown again after an error.
#[derive(Default)]
pub struct UnitFormState {
    pub name: Option<String>,
    pub abbreviation: Option<String>,
    pub code: Option<String>,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "admin_unit.html")]
struct UnitPage {
    tr: Tr,
    ctx: PageCtx,
    unit: Unit,
    kind: &'static str,
    status: &'static str,
    parent: Option<String>,
    merged_into: Option<String>,
    children: Vec<String>,
    /// Where it may move: active units outside its own subtree.
    parents: Vec<UnitChoice>,
    /// What it may merge into: the same, minus its present parent's
    /// restriction (a merge into the parent is allowed).
    targets: Vec<UnitChoice>,
    form: UnitFormState,
    is_root: bool,
}

async fn unit_view(
    state: &WebState,
    p: Page,
    id: Uuid,
    form: UnitFormState,
    status: StatusCode,
) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return to_login();
    };
    let units = match state.app.units(&actor, tenant, None).await {
        Ok(u) => u,
        Err(e) => return error_page(p, e),
    };
    let Some(unit) = units.iter().find(|u| u.id == id).cloned() else {
        return error_page(p, AppError::not_found("unit", id));
    };
    let name_of = |id: Option<Uuid>| {
        id.and_then(|id| units.iter().find(|u| u.id == id))
            .map(|u| format!("{} – {}", u.code, u.name))
    };
    let below = subtree_of(&units, id);
    let ordered = tree_order(&units);
    let outside: Vec<UnitChoice> = ordered
        .iter()
        .filter(|(u, _)| u.status == "active" && !below.contains(&u.id))
        .map(|(u, d)| choice(u, *d))
        .collect();
    let parents = outside
        .iter()
        .filter(|c| Some(c.id) != unit.parent_id)
        .map(|c| UnitChoice {
            id: c.id,
            label: c.label.clone(),
        })
        .collect();
    let children = units
        .iter()
        .filter(|u| u.parent_id == Some(id))
        .map(|u| format!("{} – {}", u.code, u.name))
        .collect();
    render(
        status,
        UnitPage {
            kind: kind_label(&unit.kind),
            status: unit_status(p.tr, &unit.status),
            parent: name_of(unit.parent_id),
            merged_into: name_of(unit.merged_into),
            is_root: unit.parent_id.is_none(),
            children,
            parents,
            targets: outside,
            form,
            unit,
            tr: p.tr,
            ctx: p.ctx,
        },
    )
}

async fn unit_page(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Query(q): Query<OkQuery>,
) -> Response {
    if q.ok.is_some() {
        p.ctx.notice = notice(p.tr, q.ok.as_deref());
    }
    unit_view(&state, p, id, UnitFormState::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
struct UnitChangeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    abbreviation: String,
    #[serde(default)]
    code: String,
}

async fn unit_change(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<UnitChangeForm>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let current = match state.app.unit(&actor, id).await {
        Ok(u) => u,
        Err(e) => return error_page(p, e),
    };
    // Only what differs is sent, so the event records the real change.
    let changed = |new: &str, old: &str| Some(new.trim().to_string()).filter(|n| n != old);
    let change = sen_app::org::UnitChange {
        name: changed(&f.name, &current.name),
        abbreviation: changed(&f.abbreviation, &current.abbreviation),
        code: changed(&f.code, &current.code),
    };
    if change.name.is_none() && change.abbreviation.is_none() && change.code.is_none() {
        return Redirect::to(&format!("/can-bo/quan-tri/don-vi/{id}?ok=unchanged")).into_response();
    }
    match state.app.change_unit(&actor, id, change).await {
        Ok(_) => Redirect::to(&format!("/can-bo/quan-tri/don-vi/{id}?ok=renamed")).into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some(match fe.field.as_deref() {
                Some("name") => "u_name".into(),
                Some("abbreviation") => "u_abbreviation".into(),
                // Invalid or already used codes.
                _ => "u_code".into(),
            });
            p.ctx.errors.push(fe);
            let form = UnitFormState {
                name: Some(f.name),
                abbreviation: Some(f.abbreviation),
                code: Some(f.code),
                reason: String::new(),
            };
            unit_view(&state, p, id, form, status).await
        }
    }
}

#[derive(Deserialize)]
struct UnitMoveForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    new_parent: String,
}

fn choose_unit(field: &'static str, value: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(value.trim()).map_err(|_| {
        AppError::Invalid(sen_domain::Invalid::new(
            field,
            "Hãy chọn một đơn vị",
            "choose a unit",
        ))
    })
}

async fn unit_move(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<UnitMoveForm>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let result = match choose_unit("new_parent", &f.new_parent) {
        Ok(parent) => state.app.move_unit(&actor, id, parent).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/can-bo/quan-tri/don-vi/{id}?ok=moved")).into_response(),
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some("new_parent".into());
            p.ctx.errors.push(fe);
            unit_view(&state, p, id, UnitFormState::default(), status).await
        }
    }
}

#[derive(Deserialize)]
struct UnitMergeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    reason: String,
    /// Empty: show what the merge will do; `yes`: do it.
    #[serde(default)]
    confirm: String,
}

pub struct GrantMove {
    pub username: String,
    pub role: &'static str,
}

#[derive(Template)]
#[template(path = "admin_merge.html")]
struct MergeConfirm {
    tr: Tr,
    ctx: PageCtx,
    source: Unit,
    target: Unit,
    reason: String,
    children: Vec<String>,
    grants: Vec<GrantMove>,
}

async fn unit_merge(
    State(state): State<WebState>,
    p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<UnitMergeForm>,
) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let back = |mut p: Page, e: AppError, field: &str| {
        let (status, mut fe) = error_of(p.tr, e);
        fe.field = Some(match fe.field.as_deref() {
            Some("reason") => "merge_reason".to_string(),
            _ => field.to_string(),
        });
        p.ctx.errors.push(fe);
        (p, status)
    };
    let form = || UnitFormState {
        reason: f.reason.clone(),
        ..Default::default()
    };
    let target = match choose_unit("target", &f.target) {
        Ok(t) => t,
        Err(e) => {
            let (p, status) = back(p, e, "merge_target");
            return unit_view(&state, p, id, form(), status).await;
        }
    };
    if f.confirm == "yes" {
        return match state.app.merge_unit(&actor, id, target, &f.reason).await {
            Ok(_) => {
                Redirect::to(&format!("/can-bo/quan-tri/don-vi/{id}?ok=merged")).into_response()
            }
            Err(e) => {
                let (p, status) = back(p, e, "merge_target");
                unit_view(&state, p, id, form(), status).await
            }
        };
    }
    // The confirmation: what will move, what stays.
    if f.reason.trim().is_empty() {
        let e = AppError::Invalid(sen_domain::Invalid::new(
            "reason",
            "Cần ghi căn cứ hợp nhất (ví dụ số nghị quyết)",
            "a merge needs its legal basis (e.g. the resolution number)",
        ));
        let (p, status) = back(p, e, "merge_reason");
        return unit_view(&state, p, id, form(), status).await;
    }
    let load = async {
        let units = state.app.units(&actor, tenant, None).await?;
        let accounts = state.app.accounts(&actor, tenant).await?;
        Ok::<_, AppError>((units, accounts))
    };
    let (units, accounts) = match load.await {
        Ok(x) => x,
        Err(e) => return error_page(p, e),
    };
    let (Some(source), Some(target)) = (
        units.iter().find(|u| u.id == id).cloned(),
        units.iter().find(|u| u.id == target).cloned(),
    ) else {
        return error_page(p, AppError::not_found("unit", target));
    };
    let children = units
        .iter()
        .filter(|u| u.parent_id == Some(id))
        .map(|u| format!("{} – {}", u.code, u.name))
        .collect();
    let tr = p.tr;
    let grants = accounts
        .iter()
        .flat_map(|(a, gs)| {
            gs.iter()
                .filter(|g| g.unit_id == id)
                .map(|g| GrantMove {
                    username: a.username.clone(),
                    role: role_label(tr, g.role),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    render(
        StatusCode::OK,
        MergeConfirm {
            tr,
            ctx: p.ctx,
            source,
            target,
            reason: f.reason.trim().to_string(),
            children,
            grants,
        },
    )
}

// ----- one account: roles, password, TOTP, status -----

pub struct GrantRow {
    pub role: &'static str,
    pub role_label: &'static str,
    pub unit_id: Uuid,
    pub unit: String,
}

#[derive(Template)]
#[template(path = "admin_account.html")]
struct AccountPage {
    tr: Tr,
    ctx: PageCtx,
    account: sen_app::model::Account,
    grants: Vec<GrantRow>,
    units: Vec<UnitChoice>,
    roles: Vec<(&'static str, &'static str)>,
    /// Just generated: shown this once.
    new_password: Option<String>,
    is_self: bool,
}

async fn account_view(
    state: &WebState,
    p: Page,
    id: Uuid,
    new_password: Option<String>,
    status: StatusCode,
) -> Response {
    let Some((actor, tenant)) = staff(&p) else {
        return to_login();
    };
    let load = async {
        let units = state.app.units(&actor, tenant, None).await?;
        let accounts = state.app.accounts(&actor, tenant).await?;
        Ok::<_, AppError>((units, accounts))
    };
    let (units, accounts) = match load.await {
        Ok(x) => x,
        Err(e) => return error_page(p, e),
    };
    let Some((account, grants)) = accounts.into_iter().find(|(a, _)| a.id == id) else {
        return error_page(p, AppError::not_found("account", id));
    };
    let tr = p.tr;
    let grants = grants
        .into_iter()
        .map(|g| GrantRow {
            role: g.role.as_str(),
            role_label: role_label(tr, g.role),
            unit_id: g.unit_id,
            unit: units
                .iter()
                .find(|u| u.id == g.unit_id)
                .map(|u| format!("{} – {}", u.code, u.name))
                .unwrap_or_default(),
        })
        .collect();
    let choices = tree_order(&units)
        .iter()
        .filter(|(u, _)| u.status == "active")
        .map(|(u, d)| choice(u, *d))
        .collect();
    let is_self = matches!(&actor, Actor::Staff { id: me, .. } if *me == id);
    render(
        status,
        AccountPage {
            tr,
            ctx: p.ctx,
            account,
            grants,
            units: choices,
            roles: role_choices(tr),
            new_password,
            is_self,
        },
    )
}

async fn account_page(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Query(q): Query<OkQuery>,
) -> Response {
    if q.ok.is_some() {
        p.ctx.notice = notice(p.tr, q.ok.as_deref());
    }
    account_view(&state, p, id, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_id: String,
}

async fn change_grant(
    state: &WebState,
    mut p: Page,
    id: Uuid,
    f: GrantForm,
    add: bool,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let result = match choose_unit("unit_id", &f.unit_id) {
        Ok(unit_id) => {
            let g = sen_app::accounts::NewGrant {
                role: f.role.clone(),
                unit_id,
            };
            if add {
                state.app.grant_role(&actor, id, g).await
            } else {
                state.app.revoke_role(&actor, id, g).await
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(changed) => {
            let ok = match (changed, add) {
                (false, _) => "unchanged",
                (true, true) => "granted",
                (true, false) => "revoked",
            };
            Redirect::to(&format!("/can-bo/quan-tri/tai-khoan/{id}?ok={ok}")).into_response()
        }
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some(
                match (add, fe.field.as_deref()) {
                    (true, Some("role")) => "grant_role",
                    (true, _) => "grant_unit",
                    (false, _) => "roles",
                }
                .into(),
            );
            p.ctx.errors.push(fe);
            account_view(state, p, id, None, status).await
        }
    }
}

async fn account_grant(
    State(state): State<WebState>,
    p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<GrantForm>,
) -> Response {
    change_grant(&state, p, id, f, true).await
}

async fn account_revoke(
    State(state): State<WebState>,
    p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<GrantForm>,
) -> Response {
    change_grant(&state, p, id, f, false).await
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

/// The new password is generated by Sen and shown once, in this response
/// only (never in a URL, a log or the event).
async fn account_reset_password(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    match state.app.reset_password_generated(&actor, id).await {
        Ok(pw) => account_view(&state, p, id, Some(pw), StatusCode::OK).await,
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some("reset".into());
            p.ctx.errors.push(fe);
            account_view(&state, p, id, None, status).await
        }
    }
}

async fn account_totp_off(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    match state.app.totp_disable(&actor, id).await {
        Ok(()) => {
            Redirect::to(&format!("/can-bo/quan-tri/tai-khoan/{id}?ok=totp_off")).into_response()
        }
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some("totp_off".into());
            p.ctx.errors.push(fe);
            account_view(&state, p, id, None, status).await
        }
    }
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf_token: String,
    /// `active` or `disabled`.
    #[serde(default)]
    status: String,
}

async fn account_status(
    State(state): State<WebState>,
    mut p: Page,
    Path(id): Path<Uuid>,
    Form(f): Form<StatusForm>,
) -> Response {
    let Some((actor, _)) = staff(&p) else {
        return to_login();
    };
    if !csrf_ok(&p, &f.csrf_token) {
        return csrf_refused(p);
    }
    let active = f.status == "active";
    match state.app.set_account_active(&actor, id, active).await {
        Ok(changed) => {
            let ok = match (changed, active) {
                (false, _) => "unchanged",
                (true, true) => "enabled",
                (true, false) => "disabled",
            };
            Redirect::to(&format!("/can-bo/quan-tri/tai-khoan/{id}?ok={ok}")).into_response()
        }
        Err(e) => {
            let (status, mut fe) = error_of(p.tr, e);
            fe.field = Some("account_status".into());
            p.ctx.errors.push(fe);
            account_view(&state, p, id, None, status).await
        }
    }
}
