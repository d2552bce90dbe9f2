//! Prometheus metrics in the text exposition format, kept in memory.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// One route's figures: requests by (method, status), and the latency.
#[derive(Default)]
struct RouteStats {
    requests: Vec<(String, u16, u64)>,
    latency: Histogram,
}

/// Kept per route pattern under one lock; a request to a route seen before
/// allocates nothing (the answer path of the public lookup is measured).
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<HashMap<String, RouteStats>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, secs: f64) {
        let Ok(mut m) = self.routes.lock() else {
            return;
        };
        let r = match m.get_mut(route) {
            Some(r) => r,
            None => m.entry(route.to_string()).or_default(),
        };
        match r
            .requests
            .iter_mut()
            .find(|(me, st, _)| *st == status && me == method)
        {
            Some((_, _, n)) => *n += 1,
            None => r.requests.push((method.to_string(), status, 1)),
        }
        let h = &mut r.latency;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Renders the metrics, plus `extra` gauges (name, help, value).
    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        let Ok(m) = self.routes.lock() else {
            return out;
        };
        let mut routes: Vec<(&String, &RouteStats)> = m.iter().collect();
        routes.sort_by(|a, b| a.0.cmp(b.0));
        out.push_str("# HELP sen_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE sen_http_requests_total counter\n");
        for (route, r) in &routes {
            let mut reqs: Vec<_> = r.requests.iter().collect();
            reqs.sort();
            for (method, status, n) in reqs {
                out.push_str(&format!(
                    "sen_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}\n",
                    escape(route)
                ));
            }
        }
        out.push_str("# HELP sen_http_request_duration_seconds Time to answer HTTP requests.\n");
        out.push_str("# TYPE sen_http_request_duration_seconds histogram\n");
        {
            for (route, stats) in &routes {
                let (r, h) = (escape(route), &stats.latency);
                for (i, b) in BUCKETS.iter().enumerate() {
                    out.push_str(&format!(
                        "sen_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}\n",
                        h.counts[i]
                    ));
                }
                out.push_str(&format!(
                    "sen_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}\n",
                    h.count
                ));
                out.push_str(&format!(
                    "sen_http_request_duration_seconds_sum{{route=\"{r}\"}} {}\n",
                    h.sum
                ));
                out.push_str(&format!(
                    "sen_http_request_duration_seconds_count{{route=\"{r}\"}} {}\n",
                    h.count
                ));
            }
        }
        for (name, help, value) in extra {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
            ));
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Middleware: counts every request under its route pattern (not its raw
/// path, so that identifiers do not explode the label set).
pub async fn track(State(state): State<crate::WebState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let resp = next.run(req).await;
    state.metrics.observe(
        method.as_str(),
        route.as_ref().map_or("unmatched", |p| p.as_str()),
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.observe("GET", "/healthz", 200, 0.002);
        m.observe("GET", "/healthz", 200, 0.5);
        let text = m.render(&[("sen_events_total", "Events in the log.", 3.0)]);
        assert!(text.contains(
            "sen_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "sen_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 1"
        ));
        assert!(text.contains(
            "sen_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2"
        ));
        assert!(text.contains("# TYPE sen_events_total gauge\nsen_events_total 3"));
    }
}
