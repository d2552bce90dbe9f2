//! Shared by the HTTP tests: a real server on a loopback port with a fresh
//! database on the backend under test and the demo province loaded.
#![allow(dead_code)]

use reqwest::redirect::Policy;
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

pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("«{start}» not in page:\n{html}"))
        + start.len();
    let j = html[i..].find(end).unwrap() + i;
    &html[i..j]
}

/// A browser without JavaScript: GETs pages and POSTs forms with its
/// session cookie; it does not follow redirects.
pub struct Browser {
    pub http: Client,
    pub base: String,
    pub cookie: String,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            http: Client::builder().redirect(Policy::none()).build().unwrap(),
            base: base.into(),
            cookie: String::new(),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let s = r.status();
        if let Some(c) = r.headers().get("set-cookie") {
            self.cookie = c.to_str().unwrap().split(';').next().unwrap().to_string();
        }
        let loc = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        assert_ne!(s, 500);
        (s, r.text().await.unwrap(), loc)
    }

    /// [`Browser::post`] with the redirect target, empty when there is none.
    pub async fn post_to(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let (s, body, loc) = self.post(path, form).await;
        (s, body, loc.unwrap_or_default())
    }

    /// Signs a staff member in; returns the browser and the CSRF token of
    /// the staff home page.
    pub async fn staff(base: &str, user: &str, password: &str) -> (Browser, String) {
        let mut b = Browser::new(base);
        let (s, _, loc) = b
            .post_to(
                "/can-bo/dang-nhap",
                &[("username", user), ("password", password)],
            )
            .await;
        assert_eq!(
            (s, loc.as_str()),
            (StatusCode::SEE_OTHER, "/can-bo"),
            "{user}"
        );
        let (_, html) = b.get("/can-bo").await;
        let csrf = between(&html, "name=\"csrf_token\" value=\"", "\"").to_string();
        (b, csrf)
    }
}
