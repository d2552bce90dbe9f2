//! The monitoring part of `/api/v1`: the province's Quyết định 766 index
//! with its units ranked, and one unit with its late and overdue dossiers
//! (ReportRead). Periods are Vietnam dates, both ends included; this year
//! so far by default.

use crate::error::ApiResult;
use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::WebState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use sen_app::monitoring::{Period, ProvinceReport, UnitDetail};
use sen_app::{Actor, AppError};
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/monitoring/province", get(province))
        .route("/monitoring/units/{id}", get(unit))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

fn period(state: &WebState, q: &PeriodQuery) -> Result<Period, AppError> {
    let d = state.app.default_period();
    Period::new(q.from.unwrap_or(d.from), q.to.unwrap_or(d.to))
}

async fn province(
    State(state): State<WebState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<ProvinceReport>> {
    let Actor::Staff { tenant_id, .. } = &auth.actor else {
        return Err(AppError::Unauthenticated.into());
    };
    let p = period(&state, &q)?;
    Ok(Json(
        state
            .app
            .monitoring_province(&auth.actor, *tenant_id, p)
            .await?,
    ))
}

async fn unit(
    State(state): State<WebState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<UnitDetail>> {
    let p = period(&state, &q)?;
    Ok(Json(state.app.monitoring_unit(&auth.actor, id, p).await?))
}
