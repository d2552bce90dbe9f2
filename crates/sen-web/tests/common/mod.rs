//! Shared by the HTTP tests: a real server on a loopback port with a fresh
//! database on the backend under test and the demo province loaded.
#![allow(dead_code)]

use reqwest::{Client, Method, StatusCode};
use sen_app::App;
use sen_store::testing::TestDb;
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub http: Client,
    pub t: TestDb,
}

pub async fn spawn() -> TestApp {
    let t = TestDb::new().await;
    let app = App::new(t.db.clone(), sen_app::Settings::default());
    app.load_demo().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = sen_web::WebState::new(app, false);
    tokio::spawn(sen_web::serve(listener, state, std::future::pending()));
    TestApp {
        base: format!("http://{addr}"),
        http: Client::new(),
        t,
    }
}

impl TestApp {
    pub async fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": user, "password": sen_app::demo::DEMO_PASSWORD, "want_token": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login {user}");
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_ne!(status, 500, "500 from {path}: {text}");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn unit_id(&self, token: &str, code: &str) -> String {
        let (_, v) = self
            .call(Method::GET, "/api/v1/units", Some(token), None)
            .await;
        v["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["code"] == code)
            .unwrap_or_else(|| panic!("no unit {code}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn counts(&self) -> (i64, i64) {
        (
            sen_store::org::count_units(&self.t.db).await.unwrap(),
            sen_store::events::count(&self.t.db).await.unwrap(),
        )
    }
}
