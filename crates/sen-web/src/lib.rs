//! The HTTP edge of Sen: server-rendered pages, the JSON API under
//! `/api/v1`, health, readiness and Prometheus metrics. The only crate that
//! knows HTTP, HTML and JSON.

pub(crate) mod api;
pub(crate) mod api_monitoring;
pub(crate) mod api_office;
pub(crate) mod api_sign;
pub mod bench;
mod error;
mod extract;
mod metrics;
mod openapi;
mod ui;

pub use error::ApiError;
pub use openapi::OPERATIONS;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sen_app::App;
use std::net::SocketAddr;
use std::sync::Arc;

/// The largest request body the API accepts.
pub const API_BODY_LIMIT: usize = 1024 * 1024;
/// The largest upload (several files of at most 10 MB each).
pub const UPLOAD_BODY_LIMIT: usize = 64 * 1024 * 1024;

#[derive(Clone)]
pub struct WebState(Arc<WebStateInner>);

/// What every handler shares; [`WebState`] is a cheap handle on it (axum
/// clones the state for every extractor of every request).
pub struct WebStateInner {
    pub app: App,
    pub metrics: Arc<metrics::Metrics>,
    /// Mark cookies `Secure` (on unless serving plain HTTP on loopback).
    pub cookie_secure: bool,
}

impl WebState {
    pub fn new(app: App, cookie_secure: bool) -> Self {
        WebState(Arc::new(WebStateInner {
            app,
            metrics: Arc::new(metrics::Metrics::default()),
            cookie_secure,
        }))
    }
}

impl std::ops::Deref for WebState {
    type Target = WebStateInner;
    fn deref(&self) -> &WebStateInner {
        &self.0
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<WebState>) -> Response {
    match state.app.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

async fn metrics_text(State(state): State<WebState>) -> Response {
    let gauges = state.app.gauges().await.unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
        .into_response()
}

/// Turns a bare 413 from the body limit into the API's JSON error.
async fn json_413(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes())
            != Some(b"application/json")
    {
        return extract::body_too_large().into_response();
    }
    resp
}

/// Security headers on every response.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        "x-content-type-options",
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", header::HeaderValue::from_static("DENY"));
    h.insert(
        "referrer-policy",
        header::HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "content-security-policy",
        header::HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    resp
}

/// Gzip for clients that accept it (pages, CSS, JS, JSON): a page with its
/// CSS and scripts stays far under 100 KB on a slow link. Not for PDFs and
/// images, which are compressed already, nor for bodies under 32 bytes.
fn compression(
) -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{NotForContentType, Predicate};
    use tower_http::compression::{CompressionLayer, DefaultPredicate};
    CompressionLayer::new()
        .gzip(true)
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/pdf")))
}

pub fn router(state: WebState) -> Router {
    let api = api::routes()
        .layer(middleware::from_fn(json_413))
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT));
    Router::new()
        .merge(ui::routes())
        // The public lookup, the hottest route (citizens, the SMS gateway,
        // other portals), takes no body: it is routed directly rather than
        // through the API nest's prefix stripping and body-limit layers.
        .route("/api/v1/public/dossiers/{code}", get(api::public_dossier))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .nest("/api/v1", api)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn(security_headers))
        .layer(compression())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: WebState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
