//! The JSON API under `/api/v1`.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, ClientAddr, SESSION_COOKIE};
use crate::WebState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sen_app::accounts::{NewAccount, NewGrant, SignIn};
use sen_app::model::EventFilter;
use sen_app::org::{NewUnit, UnitChange};
use sen_app::{Actor, AppError};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/openapi.json", get(crate::openapi::document))
        .route("/auth/login", post(login))
        .route("/auth/totp", post(login_totp))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/me/totp/setup", post(totp_setup))
        .route("/me/totp/confirm", post(totp_confirm))
        .route("/citizen/code", post(citizen_code))
        .route("/citizen/verify", post(citizen_verify))
        .route("/units", get(list_units).post(create_unit))
        .route("/units/{id}", get(get_unit).patch(change_unit))
        .route("/units/{id}/move", post(move_unit))
        .route("/units/{id}/merge", post(merge_unit))
        .route("/accounts", get(list_accounts).post(create_account))
        .route("/accounts/{id}/password", post(reset_password))
        .route("/accounts/{id}/roles", post(grant_role))
        .route("/accounts/{id}/roles/revoke", post(revoke_role))
        .route("/accounts/{id}/totp/disable", post(disable_totp))
        .route("/calendar/holidays", get(holidays))
        .route("/calendar/working-days", get(working_days))
        .route("/calendar/lunar", get(lunar))
        .route(
            "/calendar/decisions",
            get(list_decisions).post(add_decision),
        )
        .route(
            "/calendar/decisions/{id}",
            axum::routing::delete(remove_decision),
        )
        .route("/procedures", get(list_procedures).post(publish_procedure))
        .route("/procedures/{code}", get(get_procedure))
        .route("/procedures/{code}/versions", get(procedure_versions))
        .route("/catalogue/import", post(import_catalogue))
        .route("/catalogue/export", get(export_catalogue))
        .route("/catalogue/export.csv", get(export_catalogue_csv))
        .route("/dossiers", get(list_dossiers).post(receive_dossier))
        .route("/dossiers/{id}", get(get_dossier))
        .route("/dossiers/{id}/actions", post(dossier_action))
        .route(
            "/dossiers/{id}/attachments",
            get(list_attachments).post(upload_attachments).layer(
                axum::extract::DefaultBodyLimit::max(crate::UPLOAD_BODY_LIMIT),
            ),
        )
        .route(
            "/dossiers/{id}/attachments/{file}",
            get(download_attachment),
        )
        .route("/dossiers/{id}/forms", get(dossier_forms))
        .route("/dossiers/{id}/forms/{number}", get(dossier_form))
        .route("/register", get(register_pdf))
        .route("/citizen/dossiers", get(list_dossiers).post(submit_dossier))
        .route("/public/statistics", get(public_statistics))
        .route("/sms/inbound", post(sms_inbound))
        .route("/events", get(list_events))
        .route("/audit/verify", get(verify_log))
        .merge(crate::api_monitoring::routes())
        .merge(crate::api_office::routes())
        .merge(crate::api_sign::routes())
        .fallback(|| async { ApiError::not_found_route() })
}

/// The session cookie (an empty token with max-age 0 clears it).
pub(crate) fn session_cookie(state: &WebState, token: &str, max_age_secs: i64) -> String {
    let secure = if state.cookie_secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    )
}

fn signed_in(state: &WebState, s: SignIn, want_token: bool) -> Response {
    let max_age = state.app.settings.session_hours * 3600;
    let mut body = json!({
        "csrf_token": s.csrf_token,
        "totp_required": s.totp_required,
        "expires_at": s.expires_at,
    });
    if want_token {
        body["token"] = json!(s.token);
    }
    let mut headers = HeaderMap::new();
    if let Ok(v) = session_cookie(state, &s.token, max_age).parse() {
        headers.insert(header::SET_COOKIE, v);
    }
    (StatusCode::OK, headers, Json(body)).into_response()
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
    /// API clients ask for the token in the body to use it as a bearer token.
    #[serde(default)]
    want_token: bool,
}

async fn login(
    State(state): State<WebState>,
    ClientAddr(client): ClientAddr,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    let s = state
        .app
        .sign_in(&body.username, &body.password, &client)
        .await?;
    Ok(signed_in(&state, s, body.want_token))
}

#[derive(Deserialize)]
struct Code {
    code: String,
    #[serde(default)]
    want_token: bool,
}

async fn login_totp(
    State(state): State<WebState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Code>,
) -> ApiResult<Response> {
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers;
    let (token, _) = crate::extract::session_token(&parts).ok_or(AppError::Unauthenticated)?;
    let s = state.app.sign_in_totp(&token, &body.code).await?;
    Ok(signed_in(&state, s, body.want_token))
}

async fn logout(State(state): State<WebState>, auth: Auth) -> ApiResult<Response> {
    state.app.sign_out(&auth.token).await?;
    let mut headers = HeaderMap::new();
    if let Ok(v) = session_cookie(&state, "", 0).parse() {
        headers.insert(header::SET_COOKIE, v);
    }
    Ok((StatusCode::OK, headers, Json(json!({"signed_out": true}))).into_response())
}

async fn me(auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(match &auth.actor {
        Actor::Staff {
            id,
            tenant_id,
            username,
            grants,
        } => json!({
            "kind": "staff", "id": id, "tenant_id": tenant_id, "username": username,
            "roles": grants.iter().map(|g| json!({"role": g.role.as_str(), "unit_id": g.unit_id,
                "label": g.role.label_vi(), "label_en": g.role.label_en()})).collect::<Vec<_>>(),
            "csrf_token": auth.csrf_token,
        }),
        Actor::Citizen { id } => {
            json!({"kind": "citizen", "id": id, "csrf_token": auth.csrf_token})
        }
        Actor::Operator | Actor::System => json!({"kind": "system"}),
    }))
}

async fn totp_setup(State(state): State<WebState>, auth: Auth) -> ApiResult<Json<Value>> {
    let (uri, secret) = state.app.totp_begin(&auth.actor).await?;
    Ok(Json(json!({"otpauth_uri": uri, "secret": secret})))
}

async fn totp_confirm(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(body): ApiJson<Code>,
) -> ApiResult<Json<Value>> {
    state.app.totp_confirm(&auth.actor, &body.code).await?;
    Ok(Json(json!({"totp_enabled": true})))
}

#[derive(Deserialize)]
struct CitizenAddress {
    address: String,
}

async fn citizen_code(
    State(state): State<WebState>,
    ApiJson(body): ApiJson<CitizenAddress>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    state.app.citizen_request_code(&body.address).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(
            json!({"sent": true, "message": "Mã xác thực đã được gửi", "message_en": "a code has been sent"}),
        ),
    ))
}

#[derive(Deserialize)]
struct CitizenVerify {
    address: String,
    code: String,
    #[serde(default)]
    want_token: bool,
}

async fn citizen_verify(
    State(state): State<WebState>,
    ApiJson(body): ApiJson<CitizenVerify>,
) -> ApiResult<Response> {
    let s = state
        .app
        .citizen_verify_code(&body.address, &body.code)
        .await?;
    Ok(signed_in(&state, s, body.want_token))
}

fn tenant_of(actor: &Actor) -> Result<Uuid, AppError> {
    match actor {
        Actor::Staff { tenant_id, .. } => Ok(*tenant_id),
        _ => Err(AppError::Forbidden(
            sen_domain::access::Permission::UnitRead,
        )),
    }
}

#[derive(Deserialize)]
struct UnitQuery {
    q: Option<String>,
}

async fn list_units(
    State(state): State<WebState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Value>> {
    let tenant = tenant_of(&auth.actor)?;
    let units = state.app.units(&auth.actor, tenant, q.q.as_deref()).await?;
    Ok(Json(json!({"units": units})))
}

async fn create_unit(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewUnit>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let unit = state.app.create_unit(&auth.actor, body).await?;
    Ok((StatusCode::CREATED, Json(json!(unit))))
}

async fn get_unit(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.unit(&auth.actor, id).await?)))
}

async fn change_unit(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UnitChange>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        state.app.change_unit(&auth.actor, id, body).await?
    )))
}

#[derive(Deserialize)]
struct Move {
    parent_id: Uuid,
}

async fn move_unit(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Move>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        state.app.move_unit(&auth.actor, id, body.parent_id).await?
    )))
}

#[derive(Deserialize)]
struct Merge {
    target_id: Uuid,
    reason: String,
}

async fn merge_unit(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Merge>,
) -> ApiResult<Json<Value>> {
    let counts = state
        .app
        .merge_unit(&auth.actor, id, body.target_id, &body.reason)
        .await?;
    Ok(Json(
        json!({"merged": true, "source": id, "target": body.target_id,
        "moved_children": counts.children, "moved_grants": counts.grants}),
    ))
}

async fn list_accounts(State(state): State<WebState>, auth: Auth) -> ApiResult<Json<Value>> {
    let tenant = tenant_of(&auth.actor)?;
    let list = state.app.accounts(&auth.actor, tenant).await?;
    let accounts: Vec<Value> = list
        .into_iter()
        .map(|(a, g)| {
            let mut v = json!(a);
            v["roles"] = json!(g
                .iter()
                .map(|g| json!({"role": g.role.as_str(), "unit_id": g.unit_id}))
                .collect::<Vec<_>>());
            v
        })
        .collect();
    Ok(Json(json!({ "accounts": accounts })))
}

async fn create_account(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewAccount>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let tenant = tenant_of(&auth.actor)?;
    let a = state.app.create_account(&auth.actor, tenant, body).await?;
    Ok((StatusCode::CREATED, Json(json!(a))))
}

#[derive(Deserialize)]
struct Password {
    password: String,
}

async fn reset_password(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Password>,
) -> ApiResult<Json<Value>> {
    state
        .app
        .reset_password(&auth.actor, id, &body.password)
        .await?;
    Ok(Json(json!({"password_reset": true})))
}

async fn grant_role(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewGrant>,
) -> ApiResult<Json<Value>> {
    let changed = state.app.grant_role(&auth.actor, id, body).await?;
    Ok(Json(json!({"granted": true, "changed": changed})))
}

async fn revoke_role(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewGrant>,
) -> ApiResult<Json<Value>> {
    let changed = state.app.revoke_role(&auth.actor, id, body).await?;
    Ok(Json(json!({"revoked": true, "changed": changed})))
}

async fn disable_totp(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Value>> {
    state.app.totp_disable(&auth.actor, id).await?;
    Ok(Json(json!({"totp_enabled": false})))
}

#[derive(Deserialize)]
struct EventQuery {
    object_type: Option<String>,
    object_id: Option<String>,
    unit_id: Option<Uuid>,
    after: Option<i64>,
    limit: Option<i64>,
}

async fn list_events(
    State(state): State<WebState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<Value>> {
    let f = EventFilter {
        object_type: q.object_type,
        object_id: q.object_id,
        unit_id: q.unit_id,
        after_seq: q.after,
        limit: q.limit.unwrap_or(100),
    };
    let events = state.app.events(&auth.actor, &f).await?;
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| {
            let payload: Value =
                serde_json::from_str(&e.payload).unwrap_or(Value::String(e.payload.clone()));
            json!({"seq": e.seq, "id": e.id, "at": e.at, "actor": e.actor, "action": e.action,
                "unit_id": e.unit_id, "object_type": e.object_type, "object_id": e.object_id,
                "payload": payload, "prev_hash": e.prev_hash, "hash": e.hash})
        })
        .collect();
    Ok(Json(json!({ "events": events })))
}

async fn verify_log(State(state): State<WebState>, auth: Auth) -> ApiResult<Json<Value>> {
    let v = state.app.verify_log(&auth.actor).await?;
    Ok(Json(json!({
        "ok": v.tamper.is_none() && v.head_matches,
        "checked": v.checked,
        "head": v.head,
        "head_matches": v.head_matches,
        "first_tampered": v.tamper,
    })))
}

/// The province this server serves (its first tenant), for public endpoints.
async fn public_tenant(state: &WebState) -> Result<Uuid, AppError> {
    state
        .app
        .public_overview()
        .await?
        .0
        .map(|t| t.id)
        .ok_or_else(|| AppError::not_found("tenant", "-"))
}

fn bad_query(vi: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_query", vi, en)
}

#[derive(Deserialize)]
struct YearQuery {
    year: i32,
}

async fn holidays(
    State(state): State<WebState>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<Value>> {
    if !(1900..=2100).contains(&q.year) {
        return Err(bad_query(
            "Năm phải trong khoảng 1900–2100",
            "the year must be within 1900–2100",
        ));
    }
    let cal = state.app.calendar(public_tenant(&state).await?).await?;
    let list: Vec<Value> = cal
        .holidays(q.year)
        .into_iter()
        .map(|h| {
            let mut v = json!(h);
            v["date_vi"] = json!(sen_domain::vi::long_date(h.date));
            v
        })
        .collect();
    Ok(Json(json!({"year": q.year, "holidays": list})))
}

#[derive(Deserialize)]
struct WorkingDaysQuery {
    start: String,
    n: u32,
}

async fn working_days(
    State(state): State<WebState>,
    ApiQuery(q): ApiQuery<WorkingDaysQuery>,
) -> ApiResult<Json<Value>> {
    let start = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(&q.start, f).ok())
        .ok_or_else(|| {
            bad_query(
                "Thời điểm bắt đầu phải có dạng 2026-02-13T09:00 (giờ Việt Nam)",
                "start must look like 2026-02-13T09:00 (Vietnam time)",
            )
        })?;
    if q.n > 3650 {
        return Err(bad_query(
            "Số ngày làm việc tối đa 3650",
            "at most 3650 working days",
        ));
    }
    let cal = state.app.calendar(public_tenant(&state).await?).await?;
    let due = cal
        .add_working_days(start, q.n, &sen_calendar::OfficeHours::default())
        .map_err(|e| ApiError::from(AppError::Invalid(sen_app::calendar::invalid(e))))?;
    Ok(Json(
        json!({"start": q.start, "working_days": q.n, "due": due.format("%Y-%m-%dT%H:%M").to_string(),
        "due_vi": sen_domain::vi::long_datetime(due)}),
    ))
}

#[derive(Deserialize)]
struct DateQuery {
    date: String,
}

async fn lunar(ApiQuery(q): ApiQuery<DateQuery>) -> ApiResult<Json<Value>> {
    let d = chrono::NaiveDate::parse_from_str(&q.date, "%Y-%m-%d").map_err(|_| {
        bad_query(
            "Ngày phải có dạng 2026-02-17",
            "the date must look like 2026-02-17",
        )
    })?;
    let l = sen_calendar::solar_to_lunar(d);
    Ok(Json(
        json!({"date": q.date, "lunar": l, "text": l.to_string()}),
    ))
}

async fn list_decisions(State(state): State<WebState>) -> ApiResult<Json<Value>> {
    let list = state
        .app
        .calendar_decisions(public_tenant(&state).await?)
        .await?;
    Ok(Json(json!({ "decisions": list })))
}

#[derive(Deserialize)]
struct NewDecision {
    #[serde(flatten)]
    decision: sen_calendar::Decision,
    reference: String,
}

async fn add_decision(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewDecision>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let tenant = tenant_of(&auth.actor)?;
    let d = state
        .app
        .add_calendar_decision(&auth.actor, tenant, body.decision, &body.reference)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(d))))
}

async fn remove_decision(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Value>> {
    let tenant = tenant_of(&auth.actor)?;
    state
        .app
        .remove_calendar_decision(&auth.actor, tenant, id)
        .await?;
    Ok(Json(json!({"removed": true})))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn list_procedures(
    State(state): State<WebState>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Value>> {
    let list = state
        .app
        .procedures(public_tenant(&state).await?, q.q.as_deref())
        .await?;
    Ok(Json(json!({ "procedures": list })))
}

async fn get_procedure(
    State(state): State<WebState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        state
            .app
            .procedure(public_tenant(&state).await?, &code)
            .await?
    )))
}

async fn procedure_versions(
    State(state): State<WebState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let v = state
        .app
        .procedure_versions(public_tenant(&state).await?, &code)
        .await?;
    Ok(Json(json!({ "versions": v })))
}

async fn publish_procedure(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(spec): ApiJson<sen_app::catalogue::ProcedureSpec>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let tenant = tenant_of(&auth.actor)?;
    Ok(
        match state
            .app
            .publish_procedure(&auth.actor, tenant, spec)
            .await?
        {
            Some(p) => (StatusCode::CREATED, Json(json!(p))),
            None => (StatusCode::OK, Json(json!({"unchanged": true}))),
        },
    )
}

async fn import_catalogue(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(specs): ApiJson<Vec<sen_app::catalogue::ProcedureSpec>>,
) -> ApiResult<Json<Value>> {
    let tenant = tenant_of(&auth.actor)?;
    Ok(Json(json!(
        state
            .app
            .import_catalogue(&auth.actor, tenant, specs)
            .await?
    )))
}

async fn export_catalogue(State(state): State<WebState>) -> ApiResult<Json<Value>> {
    let list = state
        .app
        .procedures(public_tenant(&state).await?, None)
        .await?;
    Ok(Json(json!(list
        .into_iter()
        .map(|p| p.spec)
        .collect::<Vec<_>>())))
}

async fn export_catalogue_csv(State(state): State<WebState>) -> ApiResult<Response> {
    let csv = state
        .app
        .catalogue_csv(public_tenant(&state).await?)
        .await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

#[derive(Deserialize)]
struct StatusQuery {
    status: Option<String>,
}

async fn list_dossiers(
    State(state): State<WebState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<StatusQuery>,
) -> ApiResult<Json<Value>> {
    let tenant = match &auth.actor {
        Actor::Citizen { .. } => public_tenant(&state).await?,
        a => tenant_of(a)?,
    };
    let statuses = q
        .status
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let list = state.app.dossiers(&auth.actor, tenant, statuses).await?;
    Ok(Json(json!({ "dossiers": list })))
}

async fn receive_dossier(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(intake): ApiJson<sen_app::dossiers::Intake>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let tenant = tenant_of(&auth.actor)?;
    let d = state
        .app
        .receive_at_counter(&auth.actor, tenant, intake)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(d))))
}

#[derive(Deserialize)]
struct OnlineSubmission {
    procedure_code: String,
    applicant: sen_app::dossiers::Applicant,
}

async fn submit_dossier(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(body): ApiJson<OnlineSubmission>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let tenant = public_tenant(&state).await?;
    let d = state
        .app
        .submit_online(&auth.actor, tenant, &body.procedure_code, body.applicant)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(d))))
}

async fn get_dossier(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.dossier(&auth.actor, id).await?)))
}

async fn dossier_action(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(action): ApiJson<sen_domain::dossier::Action>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app.act(&auth.actor, id, action).await?)))
}

#[derive(Deserialize)]
pub(crate) struct ProofQuery {
    /// The last 4 or more digits of the applicant's phone or ID number.
    proof: Option<String>,
}

pub(crate) async fn public_dossier(
    State(state): State<WebState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ProofQuery>,
) -> ApiResult<Response> {
    let json = state
        .app
        .public_answer(&code, q.proof.as_deref())
        .await?
        .into_json()?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

#[derive(Deserialize)]
struct InboundSms {
    from: String,
    text: String,
}

/// The HTTP hook for an SMS gateway (a staff account of the province's
/// gateway signs in with a bearer token); Sen's own SMPP session answers
/// inbound messages without it.
async fn sms_inbound(
    State(state): State<WebState>,
    auth: Auth,
    ApiJson(body): ApiJson<InboundSms>,
) -> ApiResult<Json<Value>> {
    tenant_of(&auth.actor)?;
    if body.text.chars().count() > 1000 || body.from.len() > 30 {
        return Err(bad_query("Tin nhắn quá dài", "message too long"));
    }
    let reply = state.app.sms_reply(&body.text).await;
    Ok(Json(json!({"to": body.from, "reply": reply})))
}

async fn dossier_forms(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "forms": state.app.dossier_forms(&auth.actor, id).await? }),
    ))
}

async fn dossier_form(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath((id, number)): ApiPath<(Uuid, String)>,
) -> ApiResult<Response> {
    let number = number.trim_end_matches(".pdf").to_string();
    let pdf = state.app.dossier_form_pdf(&auth.actor, id, &number).await?;
    let d = state.app.dossier(&auth.actor, id).await?;
    let disposition = format!("inline; filename=\"mau-{number}-{}.pdf\"", d.row.code);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Deserialize)]
struct PeriodQuery {
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

async fn register_pdf(
    State(state): State<WebState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Response> {
    let tenant = tenant_of(&auth.actor)?;
    let pdf = state
        .app
        .register_pdf(&auth.actor, tenant, q.from, q.to)
        .await?;
    let disposition = format!("inline; filename=\"so-theo-doi-{}-{}.pdf\"", q.from, q.to);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

async fn public_statistics(State(state): State<WebState>) -> ApiResult<Json<Value>> {
    let stats = state
        .app
        .agency_statistics(public_tenant(&state).await?)
        .await?;
    Ok(Json(json!({ "agencies": stats })))
}

async fn list_attachments(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "attachments": state.app.attachments(&auth.actor, id).await? }),
    ))
}

/// Files and plain fields of a multipart body.
pub(crate) type Parts = (Vec<(String, Vec<u8>)>, Vec<(String, String)>);

/// Reads every part of a multipart body: parts with a file name are files,
/// the others plain fields.
pub(crate) async fn read_multipart(mut m: axum::extract::Multipart) -> Result<Parts, ApiError> {
    let too_big = |_| crate::extract::upload_too_large();
    let mut files = Vec::new();
    let mut fields = Vec::new();
    while let Some(field) = m.next_field().await.map_err(too_big)? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(too_big)?;
                // An empty file input still sends a part, with no name and no bytes.
                if !(file_name.is_empty() && bytes.is_empty()) {
                    files.push((file_name, bytes.to_vec()));
                }
            }
            None => fields.push((name, field.text().await.map_err(too_big)?)),
        }
    }
    Ok((files, fields))
}

async fn upload_attachments(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    multipart: axum::extract::Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (files, _) = read_multipart(multipart).await?;
    if files.is_empty() {
        return Err(ApiError::from(AppError::Invalid(sen_domain::Invalid::new(
            "file",
            "Chưa chọn tệp nào",
            "no file was sent",
        ))));
    }
    let added = state.app.attach(&auth.actor, id, files).await?;
    Ok((StatusCode::CREATED, Json(json!({ "attachments": added }))))
}

async fn download_attachment(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath((id, file)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let (a, bytes) = state.app.attachment(&auth.actor, id, file).await?;
    let ascii: String = a
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, a.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
