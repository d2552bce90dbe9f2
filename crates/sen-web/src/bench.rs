//! HTTP parts of `sen bench`: a bare server returning a fixed body (the
//! limit of the HTTP stack, the baseline the real endpoints are measured
//! against) and a keep-alive load generator on loopback.

use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Serves `body` as JSON on every path, with the same server stack as Sen
/// (axum on hyper) but no work behind it.
pub async fn bare_server(listener: tokio::net::TcpListener, body: Vec<u8>) -> std::io::Result<()> {
    let body = std::sync::Arc::new(body);
    let app = Router::new().fallback(get(move || {
        let body = body.clone();
        async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body.as_ref().clone(),
            )
        }
    }));
    axum::serve(listener, app).await
}

/// Like [`bare_server`], but each request first awaits `work(path)`: with
/// one indexed database read as the work, this is the limit of the HTTP
/// stack plus one round trip to the database through the same driver.
pub async fn bare_server_with<F, Fut>(
    listener: tokio::net::TcpListener,
    body: Vec<u8>,
    work: F,
) -> std::io::Result<()>
where
    F: Fn(String) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let body = std::sync::Arc::new(body);
    let app = Router::new().fallback(get(move |uri: axum::http::Uri| {
        let (body, work) = (body.clone(), work.clone());
        async move {
            work(uri.path().to_string()).await;
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body.as_ref().clone(),
            )
        }
    }));
    axum::serve(listener, app).await
}

/// What a load run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl LoadReport {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

async fn one(stream: &mut BufReader<TcpStream>, path: &str) -> std::io::Result<u16> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n");
    stream.get_mut().write_all(req.as_bytes()).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await?;
    Ok(status)
}

/// `connections` keep-alive connections send GETs for `duration`, cycling
/// through `paths`. Bounded in time; loopback only.
pub async fn load(
    addr: SocketAddr,
    paths: Vec<String>,
    connections: usize,
    duration: Duration,
) -> std::io::Result<LoadReport> {
    assert!(
        addr.ip().is_loopback(),
        "load is only generated against this machine"
    );
    let paths = std::sync::Arc::new(paths);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let paths = paths.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut stream = BufReader::new(TcpStream::connect(addr).await?);
            let mut i = c;
            while start.elapsed() < duration {
                let t = Instant::now();
                match one(&mut stream, &paths[i % paths.len()]).await {
                    Ok(200) => lat.push(t.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        stream = BufReader::new(TcpStream::connect(addr).await?);
                    }
                }
                i += connections;
            }
            Ok::<_, std::io::Error>((lat, errors))
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await.map_err(std::io::Error::other)??;
        all.extend(lat);
        errors += e;
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    Ok(LoadReport {
        requests: all.len() as u64,
        errors,
        seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    })
}

/// Microseconds per request through Sen's whole router (middleware,
/// extractors, handler, body), in process, without sockets: one request at
/// a time over `paths`, run twice and the second pass timed.
pub async fn through_router(
    state: crate::WebState,
    paths: &[String],
) -> Result<f64, Box<dyn std::error::Error + Send + Sync>> {
    use tower::ServiceExt;
    let router = crate::router(state);
    let mut us = 0.0;
    for _ in 0..2 {
        let t = Instant::now();
        for p in paths {
            let req = axum::http::Request::get(p.as_str()).body(axum::body::Body::empty())?;
            let resp = router.clone().oneshot(req).await?;
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
            std::hint::black_box(body);
        }
        us = t.elapsed().as_secs_f64() * 1e6 / paths.len().max(1) as f64;
    }
    Ok(us)
}
