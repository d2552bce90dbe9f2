// The main journeys of Sen in a real browser (Debian's Chromium, headless),
// with axe-core run on every page visited: any serious or critical
// accessibility violation fails the journey. Screenshots of every page go to
// artifacts/screenshots/ (not committed). Every HTML page the browser loads is
// weighed as transferred (gzip), with the CSS and JS it links: over 100 KB
// fails (artifacts/page-weights.json lists them). One journey is done with
// the keyboard only (Tab/Enter), checking the skip link, the focus on the
// error summary and a visible focus outline on every element reached.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "../..");
const senBin = process.env.SEN_BIN ?? path.join(root, "target/debug/sen");
const shots = path.join(root, "artifacts/screenshots");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const PASSWORD = "sen-demo-2026";

let server, base, browser, dataDir;
const seen = [];

// ----- page weight: HTML + CSS + JS under 100 KB as transferred (gzip) -----
const BUDGET = 100 * 1024;
/** Every main-frame document the journeys receive: { url, html, css, js, total }. */
const weights = [];
/** The last document weighed in each page, for check(). */
const lastWeight = new WeakMap();
const assetSizes = new Map();

/** An asset's size as sent to a browser that accepts gzip (the raw bytes on the wire). */
function assetSize(url) {
  if (!assetSizes.has(url)) {
    assetSizes.set(url, new Promise((resolve, reject) => {
      http.get(url, { headers: { "accept-encoding": "gzip" } }, (res) => {
        let n = 0;
        res.on("data", (c) => { n += c.length; });
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
          else if (res.headers["content-encoding"] !== "gzip") reject(new Error(`${url} is not gzipped`));
          else resolve(n);
        });
      }).on("error", reject);
    }));
  }
  return assetSizes.get(url);
}

/** Fetches a GET page again with the headers its browser sent (its session
 * cookie included): { body (decoded), htmlBytes (gzipped, as sent) }. */
async function refetch(response) {
  const headers = await response.request().allHeaders();
  return new Promise((resolve, reject) => {
    http.get(response.url(), { headers: { ...headers, "accept-encoding": "gzip" } }, (res) => {
      const parts = [];
      res.on("data", (c) => parts.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(parts);
        if (res.headers["content-encoding"] !== "gzip") reject(new Error(`${response.url()} is not gzipped`));
        else resolve({ body: zlib.gunzipSync(raw), htmlBytes: raw.length });
      });
    }).on("error", reject);
  });
}

/** Weighs a document response: its body as transferred (encoded size from the
 * browser, cross-checked by gzipping the body here), plus the stylesheets and
 * scripts it links, fetched with Accept-Encoding: gzip. */
async function weigh(response) {
  let body, htmlBytes;
  try {
    body = await response.body();
    const headers = await response.allHeaders();
    assert.equal(headers["content-encoding"], "gzip", `${response.url()} is sent gzipped`);
    const sizes = await response.request().sizes();
    htmlBytes = sizes.responseBodySize > 0 ? sizes.responseBodySize : zlib.gzipSync(body).length;
  } catch (e) {
    // The browser drops a document's body once its page has navigated on (a
    // journey may act before the body is read here): a GET page is fetched
    // again, as that browser asked for it, and weighed as sent.
    if (response.request().method() !== "GET" || !/navigated away|No resource with given identifier/.test(String(e))) throw e;
    ({ body, htmlBytes } = await refetch(response));
  }
  const text = body.toString("utf8");
  const refs = [...text.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"|<script[^>]+src="([^"]+)"/g)]
    .map((m) => new URL(m[1] ?? m[2], response.url()).href);
  let css = 0, js = 0;
  for (const ref of refs) {
    const n = await assetSize(ref);
    if (ref.endsWith(".css")) css += n; else js += n;
  }
  return { url: response.url(), html: htmlBytes, html_raw: body.length, css, js, total: htmlBytes + css + js };
}

/** Records the weight of every HTML page a context's pages load. */
function watchWeights(context) {
  context.on("response", (response) => {
    const frame = response.frame();
    // Pages that report an error (4xx, 5xx) are pages too; redirects have no body.
    const status = response.status();
    if (response.request().resourceType() !== "document" || status < 200 || (status >= 300 && status < 400)) return;
    if (frame !== frame.page().mainFrame()) return;
    if (!(response.headers()["content-type"] ?? "").startsWith("text/html")) return;
    const w = weigh(response);
    w.catch(() => {});
    weights.push(w);
    lastWeight.set(frame.page(), w);
  });
  return context;
}

async function assertWeights() {
  for (const w of await Promise.all(weights)) {
    assert.ok(w.total < BUDGET, `${w.url}: ${w.total} bytes compressed (HTML ${w.html}, CSS ${w.css}, JS ${w.js}) over ${BUDGET}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sen-browser-"));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(senBin, ["--data", dataDir, "serve", "--demo", "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, SEN_LOG: "warn" },
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    if (i > 300) throw new Error("sen serve did not become ready");
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  // Every context the journeys open has its pages weighed.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => watchWeights(await newContext(...args));
});

after(async () => {
  await browser?.close();
  server?.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(`pages checked with axe-core: ${seen.length}`);
  const all = await Promise.allSettled(weights);
  const ok = all.filter((r) => r.status === "fulfilled").map((r) => r.value);
  if (ok.length) {
    const max = ok.reduce((a, b) => (b.total > a.total ? b : a));
    console.log(`pages weighed: ${ok.length}; heaviest ${max.total} bytes gzipped (HTML ${max.html}, CSS ${max.css}, JS ${max.js}): ${max.url}`);
    fs.writeFileSync(path.join(shots, "..", "page-weights.json"), JSON.stringify(ok, null, 1));
  }
});

/** Screenshot, then axe-core: fails on any serious or critical violation;
 * and the page with its CSS and JS must weigh under 100 KB compressed. */
async function check(page, name) {
  const w = await lastWeight.get(page);
  assert.ok(w, `no document weighed for ${name}`);
  assert.ok(w.total < BUDGET, `${name}: ${w.total} bytes compressed (HTML ${w.html}, CSS ${w.css}, JS ${w.js}) over ${BUDGET}`);
  await page.screenshot({ path: path.join(shots, `${String(seen.length + 1).padStart(2, "0")}-${name}.png`), fullPage: true });
  // Evaluated through the DevTools protocol, so the page keeps its strict CSP.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  seen.push(name);
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `axe-core on ${name} (${page.url()})`,
  );
}

async function signIn(user) {
  const context = await browser.newContext({ locale: "vi-VN" });
  const page = await context.newPage();
  await page.goto(`${base}/can-bo/dang-nhap`);
  await check(page, `dang-nhap-${user}`);
  await page.getByLabel("Tên đăng nhập").fill(user);
  await page.getByLabel("Mật khẩu").fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForURL(`${base}/can-bo`);
  return page;
}

/** Submits the action form of `action` on a dossier page. */
async function act(page, action, fill = async () => {}) {
  const form = page.locator(`form:has(input[name=action][value=${action}])`);
  await fill(form);
  await form.locator("button[type=submit]").click();
  await page.waitForLoadState();
  assert.match(await page.locator(".notice").innerText(), /Đã thực hiện/, `action ${action} on ${page.url()}`);
}

test("a citizen finds a procedure and looks up a dossier", async () => {
  // A dossier to look up, received through the API.
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "motcua", password: PASSWORD, want_token: true }),
  }).then((r) => r.json());
  const dossier = await fetch(`${base}/api/v1/dossiers`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${login.token}` },
    body: JSON.stringify({ procedure_code: "2.000488", applicant: { name: "Phạm Văn Đức", phone: "0977112233" } }),
  }).then((r) => r.json());
  assert.ok(dossier.code, JSON.stringify(dossier));

  const page = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  await page.goto(base);
  await check(page, "trang-chu");
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  // The first Tab reaches the skip link.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip");

  await page.getByRole("searchbox").first().fill("ho tich");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/thu-tuc\?q=/);
  await check(page, "tim-thu-tuc");
  await page.getByRole("link", { name: "Cấp bản sao trích lục hộ tịch" }).click();
  await page.waitForURL(/\/thu-tuc\/1\.001193/);
  await check(page, "thu-tuc");
  assert.match(await page.locator("main").innerText(), /2 ngày làm việc/);

  await page.goto(`${base}/tra-cuu`);
  await page.getByLabel("Mã hồ sơ").fill(dossier.code);
  await page.getByRole("button", { name: "Tra cứu" }).click();
  await page.waitForLoadState();
  await check(page, "tra-cuu");
  assert.match(await page.locator("#result").innerText(), /Đã tiếp nhận/);
  assert.doesNotMatch(await page.locator("#result").innerText(), /Phạm Văn Đức/);

  // A wrong code: the error summary takes the focus.
  await page.getByLabel("Mã hồ sơ").fill("KHONG-CO-MA-NAY");
  await page.getByRole("button", { name: "Tra cứu" }).click();
  await page.waitForLoadState();
  await page.waitForFunction(() => document.activeElement?.id === "error-summary");
  await check(page, "tra-cuu-loi");

  // Public statistics per agency.
  await page.getByRole("link", { name: "Thống kê" }).click();
  await page.waitForURL(/\/thong-ke/);
  await check(page, "thong-ke");
  assert.match(await page.locator("main").innerText(), /Sở Tư pháp/);

  // English on request.
  await page.getByRole("link", { name: "English" }).click();
  await page.waitForLoadState();
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await check(page, "lookup-en");
});

test("officers carry a dossier from the counter to returned", async () => {
  const desk = await signIn("motcua");
  await check(desk, "hang-doi");
  await desk.getByRole("link", { name: "Tiếp nhận hồ sơ" }).click();
  await check(desk, "tiep-nhan");
  await desk.getByLabel("Thủ tục").selectOption("1.001193");
  await desk.getByLabel("Họ và tên người nộp").fill("Trần Thị Thu Hương");
  await desk.getByLabel("Số điện thoại").fill("0988776655");
  await desk.getByRole("button", { name: "Tiếp nhận và in giấy hẹn" }).click();
  await desk.waitForURL(/\/can-bo\/ho-so\//);
  await check(desk, "ho-so-moi");
  const url = desk.url().split("?")[0];
  const code = (await desk.locator("h1").innerText()).replace("Hồ sơ ", "").trim();
  await act(desk, "hand_off", (f) => f.locator("select").selectOption("xu_ly"));

  const specialist = await signIn("chuyenvien");
  await specialist.getByRole("link", { name: code }).click();
  await check(specialist, "ho-so-chuyen-vien");
  await act(specialist, "propose_result");
  await act(specialist, "hand_off", (f) => f.locator("select").selectOption("phe_duyet"));

  const leader = await signIn("lanhdao");
  await leader.goto(url);
  await check(leader, "ho-so-lanh-dao");
  await act(leader, "approve_result");

  await desk.goto(url);
  await act(desk, "return");
  assert.equal(await desk.locator("#status").innerText(), "Đã trả kết quả");
  await check(desk, "ho-so-da-tra");

  const citizen = await (await browser.newContext()).newPage();
  await citizen.goto(`${base}/tra-cuu?ma=${encodeURIComponent(code)}`);
  assert.match(await citizen.locator("#result").innerText(), /Đã trả kết quả/);
  await check(citizen, "tra-cuu-da-tra");
});

test("an administrator adds a day off to the calendar", async () => {
  const admin = await signIn("quantri");
  await admin.getByRole("link", { name: "Quản trị" }).click();
  await admin.waitForURL(/\/can-bo\/quan-tri/);
  await check(admin, "quan-tri");
  await admin.getByRole("link", { name: "Tài khoản của tôi" }).click();
  await check(admin, "tai-khoan");
  await admin.getByRole("link", { name: "Lịch làm việc" }).click();
  await admin.waitForURL(/\/can-bo\/lich/);
  await check(admin, "lich");
  await admin.getByLabel("Loại").selectOption("day_off");
  await admin.getByLabel("Ngày", { exact: true }).fill("2026-12-31");
  await admin.getByLabel("Tên ngày nghỉ / lý do").fill("Nghỉ cuối năm theo quyết định của UBND tỉnh");
  await admin.getByLabel("Căn cứ (số, ký hiệu văn bản)").fill("Quyết định 99/QĐ-UBND");
  await admin.getByRole("button", { name: "Thêm quyết định" }).click();
  await admin.waitForLoadState();
  await check(admin, "lich-da-them");
  const text = await admin.locator("main").innerText();
  assert.match(text, /31\/12\/2026/);
  assert.match(text, /ngày 31 tháng 12 năm 2026/);
  // The API's deadline arithmetic follows at once.
  const due = await fetch(`${base}/api/v1/calendar/working-days?start=2026-12-30T09:00&n=1`).then((r) => r.json());
  assert.equal(due.due, "2027-01-04T09:00");
});

test("a citizen signs in with a one-time code, applies online and rates the result", async () => {
  const page = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  await page.goto(`${base}/thu-tuc/1.001193`);
  await page.getByRole("link", { name: "Nộp hồ sơ trực tuyến" }).click();
  await page.waitForURL(/\/cong-dan\/dang-nhap/);
  await check(page, "cong-dan-dang-nhap");
  await page.getByLabel("Số điện thoại hoặc thư điện tử").fill("0966 123 456");
  await page.getByRole("button", { name: "Gửi mã xác thực" }).click();
  await page.waitForLoadState();
  await check(page, "cong-dan-nhap-ma");
  const code = (await page.locator("#demo-code").innerText()).trim();
  assert.match(code, /^\d{6}$/);
  await page.getByLabel("Mã xác thực (6 số)").fill(code);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForURL(/\/thu-tuc\/1\.001193\/nop/);
  await check(page, "nop-truc-tuyen");
  assert.equal(await page.getByLabel("Số điện thoại").inputValue(), "0966123456");
  await page.getByLabel("Họ và tên người nộp").fill("Võ Thị Mỹ Duyên");
  // A file that is not a PDF or an image is refused with a clear message.
  await page.getByLabel(/Tệp đính kèm/).setInputFiles({ name: "to-khai.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ not a pdf") });
  await page.getByRole("button", { name: "Nộp hồ sơ" }).click();
  await page.waitForLoadState();
  await page.waitForFunction(() => document.activeElement?.id === "error-summary");
  assert.match(await page.locator("#error-summary").innerText(), /không phải PDF, PNG hay JPEG/);
  await check(page, "nop-tep-sai");
  assert.equal(await page.getByLabel("Họ và tên người nộp").inputValue(), "Võ Thị Mỹ Duyên", "what was typed is kept");
  await page.getByLabel(/Tệp đính kèm/).setInputFiles({ name: "to-khai.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% Tờ khai\n") });
  await page.getByRole("button", { name: "Nộp hồ sơ" }).click();
  await page.waitForURL(/\/cong-dan\/ho-so/);
  await check(page, "ho-so-cua-toi");
  const row = page.locator("tbody tr").first();
  assert.match(await row.innerText(), /Đã nộp, chờ tiếp nhận/);
  const dossierCode = (await row.locator("td").first().innerText()).trim();

  // The desk receives it, the department decides, the desk returns it.
  const login = async (u) => (await fetch(`${base}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: u, password: PASSWORD, want_token: true }),
  }).then((r) => r.json())).token;
  const api = async (token, path, body) => {
    const r = await fetch(`${base}/api/v1${path}`, {
      method: body ? "POST" : "GET",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: body ? JSON.stringify(body) : undefined,
    });
    const j = await r.json();
    assert.ok(r.ok, `${path}: ${JSON.stringify(j)}`);
    return j;
  };
  const desk = await login("motcua");
  const queue = await api(desk, "/dossiers?status=submitted");
  const d = queue.dossiers.find((x) => x.code === dossierCode);
  assert.ok(d, "the desk sees the online dossier");
  const files = await api(desk, `/dossiers/${d.id}/attachments`);
  assert.deepEqual(files.attachments.map((a) => a.name), ["to-khai.pdf"]);
  await api(desk, `/dossiers/${d.id}/actions`, { action: "receive" });
  await api(desk, `/dossiers/${d.id}/actions`, { action: "hand_off", to_step: "xu_ly" });
  const specialist = await login("chuyenvien");
  await api(specialist, `/dossiers/${d.id}/actions`, { action: "propose_result" });
  await api(specialist, `/dossiers/${d.id}/actions`, { action: "hand_off", to_step: "phe_duyet" });
  await api(await login("lanhdao"), `/dossiers/${d.id}/actions`, { action: "approve_result" });
  await api(desk, `/dossiers/${d.id}/actions`, { action: "return" });

  await page.reload();
  assert.match(await page.locator("tbody tr").first().innerText(), /Đã trả kết quả/);
  await page.getByLabel("Mức độ hài lòng (1–5)").selectOption("5");
  await page.getByRole("button", { name: "Đánh giá mức độ hài lòng" }).click();
  await page.waitForURL(/ok=rated/);
  await check(page, "da-danh-gia");
  assert.match(await page.locator("tbody tr").first().innerText(), /5\/5/);
});

/** Signs in with another password than the demo one. */
async function signInWith(user, password) {
  const page = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  await page.goto(`${base}/can-bo/dang-nhap`);
  await page.getByLabel("Tên đăng nhập").fill(user);
  await page.getByLabel("Mật khẩu").fill(password);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForLoadState();
  return page;
}

/** What has the focus, and whether its focus outline can be seen. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {
      id: el.id, cls: el.className, tag: el.tagName, text: (el.textContent || "").trim().slice(0, 40),
      outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth), left: r.left, top: r.top, w: r.width, h: r.height,
    };
  });
}

/** Presses Tab until the focused element matches `selector`, checking on the
 * way that every element reached shows a visible focus outline. */
async function tabTo(page, selector, text = null, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    assert.ok(f.outline !== "none" && f.width >= 2 && f.w > 0 && f.h > 0,
      `visible focus on ${f.tag}#${f.id}.${f.cls} «${f.text}» (${page.url()}): ${JSON.stringify(f)}`);
    const hit = await page.evaluate(([sel, text]) => {
      const el = document.activeElement;
      return el.matches(sel) && (text === null || el.textContent.trim() === text);
    }, [selector, text]);
    if (hit) return;
  }
  assert.fail(`${selector} not reached with Tab on ${page.url()}`);
}

test("keyboard only: the skip link, the citizen lookup and the officer sign-in", async () => {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "motcua", password: PASSWORD, want_token: true }),
  }).then((r) => r.json());
  const dossier = await fetch(`${base}/api/v1/dossiers`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${login.token}` },
    body: JSON.stringify({ procedure_code: "1.001193", applicant: { name: "Đặng Thị Phím", phone: "0977445566" } }),
  }).then((r) => r.json());
  assert.ok(dossier.code, JSON.stringify(dossier));

  // The skip link: first Tab stop, visible when focused, and it leads to the content.
  const page = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  await page.goto(`${base}/tra-cuu`);
  await page.keyboard.press("Tab");
  const skip = await focused(page);
  assert.equal(skip.cls, "skip");
  assert.ok(skip.left >= 0 && skip.top >= 0 && skip.w > 0 && skip.outline !== "none", `the skip link shows: ${JSON.stringify(skip)}`);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.id === "main");
  assert.match(page.url(), /#main$/);
  // From the content, Tab reaches the code field; Enter submits.
  await tabTo(page, "#ma");
  await page.keyboard.type(dossier.code);
  await tabTo(page, "#xac-minh");
  await page.keyboard.type("5566");
  await page.keyboard.press("Enter");
  await page.waitForURL(/ma=/);
  await check(page, "ban-phim-tra-cuu");
  assert.match(await page.locator("#result").innerText(), /Đã tiếp nhận/);
  assert.match(await page.locator("#result").innerText(), /Đặng Thị Phím/, "with the proof, the name is shown");

  // A wrong code: the focus lands on the error summary, whose link leads back to the field.
  await tabTo(page, "#ma");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("KHONG-CO-MA-NAY");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.id === "error-summary");
  const summary = await focused(page);
  assert.ok(summary.outline !== "none", "the focused error summary is outlined");
  await check(page, "ban-phim-tra-cuu-loi");
  await tabTo(page, "#error-summary a");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.id === "ma");

  // The officer signs in with the keyboard: a wrong password first.
  const officer = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  await officer.goto(`${base}/can-bo/dang-nhap`);
  await tabTo(officer, "#username");
  await officer.keyboard.type("motcua");
  await officer.keyboard.press("Tab");
  assert.equal((await focused(officer)).id, "password");
  await officer.keyboard.type("khong-phai-mat-khau");
  await officer.keyboard.press("Enter");
  await officer.waitForFunction(() => document.activeElement?.id === "error-summary");
  assert.match(await officer.locator("#error-summary").innerText(), /Sai tên đăng nhập hoặc mật khẩu/);
  await check(officer, "ban-phim-dang-nhap-loi");
  await tabTo(officer, "#error-summary a");
  await officer.keyboard.press("Enter");
  await officer.waitForFunction(() => document.activeElement?.id === "username");
  assert.equal(await officer.locator("#username").inputValue(), "motcua", "the user name is kept");
  await officer.keyboard.press("Tab");
  await officer.keyboard.type(PASSWORD);
  await officer.keyboard.press("Enter");
  await officer.waitForURL(`${base}/can-bo`);
  await check(officer, "ban-phim-hang-doi");
  // The queue's dossier opens with the keyboard too.
  await tabTo(officer, "a", dossier.code, 200);
  await officer.keyboard.press("Enter");
  await officer.waitForURL(/\/can-bo\/ho-so\//);
  assert.match(await officer.locator("h1").innerText(), new RegExp(dossier.code));
});

test("an administrator merges a unit, manages an account, and the user signs in with the new password", async () => {
  const admin = await signIn("quantri");
  await admin.getByRole("link", { name: "Quản trị" }).click();
  await admin.waitForURL(/\/can-bo\/quan-tri$/);
  const justice = async (select) => admin.locator(`${select} option`, { hasText: "H99.02 – Sở Tư pháp" }).getAttribute("value");

  // A division to merge into its department.
  await admin.getByLabel("Đơn vị cấp trên").selectOption(await justice("#parent_id"));
  await admin.getByLabel("Mã", { exact: true }).fill("H99.02.08");
  await admin.getByLabel("Tên viết tắt").fill("PCT");
  await admin.getByLabel("Tên", { exact: true }).fill("Phòng Chứng thực");
  await admin.getByLabel("Loại").selectOption("division");
  await admin.getByRole("button", { name: "Thêm đơn vị", exact: true }).click();
  await admin.waitForURL(/ok=done/);
  await admin.getByRole("link", { name: "Phòng Chứng thực" }).click();
  await admin.waitForURL(/\/can-bo\/quan-tri\/don-vi\//);
  await check(admin, "don-vi");
  const unitUrl = admin.url();

  // Re-coding to a code in use: the error summary takes the focus.
  await admin.locator("#u_code").fill("H99.05");
  await admin.getByRole("button", { name: "Lưu thay đổi" }).click();
  await admin.waitForFunction(() => document.activeElement?.id === "error-summary");
  assert.match(await admin.locator("#error-summary").innerText(), /H99\.05/);
  await check(admin, "don-vi-loi");

  // The merge shows what will move before anything happens.
  await admin.getByLabel("Đơn vị nhận").selectOption(await justice("#merge_target"));
  await admin.getByLabel(/Căn cứ hợp nhất/).fill("Nghị quyết 05/NQ-HĐND tỉnh");
  await admin.getByRole("button", { name: "Xem trước việc hợp nhất" }).click();
  await admin.waitForURL(/\/hop-nhat$/);
  await admin.waitForFunction(() => document.activeElement?.id === "merge-summary");
  const preview = await admin.locator("main").innerText();
  assert.match(preview, /Nghị quyết 05\/NQ-HĐND tỉnh/);
  assert.match(preview, /không tự động chuyển/);
  await check(admin, "hop-nhat-xac-nhan");
  await admin.getByRole("button", { name: "Xác nhận hợp nhất" }).click();
  await admin.waitForURL(/ok=merged/);
  assert.match(await admin.locator("#unit-status").innerText(), /Đã hợp nhất → H99\.02 – Sở Tư pháp/);
  await check(admin, "don-vi-da-hop-nhat");

  // A new account, an extra role granted and revoked.
  await admin.goto(`${base}/can-bo/quan-tri`);
  await admin.getByLabel("Tên đăng nhập").fill("thuviec");
  await admin.getByLabel("Họ và tên").fill("Ngô Thử Việc");
  await admin.getByLabel("Mật khẩu").fill("mat-khau-ban-dau-1");
  await admin.locator("#acc_role").selectOption("specialist");
  await admin.getByLabel("Đơn vị giữ vai trò").selectOption(await justice("#acc_unit"));
  await admin.getByRole("button", { name: "Tạo tài khoản" }).click();
  await admin.waitForURL(/ok=done/);
  await admin.getByRole("link", { name: "thuviec" }).click();
  await admin.waitForURL(/\/can-bo\/quan-tri\/tai-khoan\//);
  await check(admin, "tai-khoan-can-bo");
  await admin.getByLabel("Vai trò", { exact: true }).selectOption("one_stop_officer");
  const desk = await admin.locator("#grant_unit option", { hasText: "H99.05 –" }).getAttribute("value");
  await admin.getByLabel("Đơn vị giữ vai trò").selectOption(desk);
  await admin.getByRole("button", { name: "Cấp thêm vai trò" }).click();
  await admin.waitForURL(/ok=granted/);
  assert.match(await admin.locator("#roles + table").innerText(), /Cán bộ Một cửa/);
  await admin.getByRole("button", { name: /Thu hồi: Cán bộ Một cửa/ }).click();
  await admin.waitForURL(/ok=revoked/);
  assert.doesNotMatch(await admin.locator("#roles + table").innerText(), /Cán bộ Một cửa/);
  await check(admin, "tai-khoan-da-thu-hoi");

  // A password reset: shown once, focused, and it works.
  await admin.getByRole("button", { name: "Đặt lại mật khẩu" }).click();
  await admin.waitForURL(/\/mat-khau$/);
  await admin.waitForFunction(() => document.activeElement?.id === "new-password");
  const fresh = (await admin.locator("#new-password-value").innerText()).trim();
  assert.match(fresh, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
  await check(admin, "mat-khau-moi");
  const old = await signInWith("thuviec", "mat-khau-ban-dau-1");
  assert.match(await old.locator("#error-summary").innerText(), /Sai tên đăng nhập hoặc mật khẩu/);
  const user = await signInWith("thuviec", fresh);
  await user.waitForURL(`${base}/can-bo`);
  await check(user, "hang-doi-thuviec");

  // Disabled, the account cannot sign in; enabled again, it can.
  await admin.getByRole("button", { name: "Khoá tài khoản" }).click();
  await admin.waitForURL(/ok=disabled/);
  assert.equal(await admin.locator("#account-status").innerText(), "Đã khoá");
  await check(admin, "tai-khoan-da-khoa");
  await user.reload();
  await user.waitForURL(/\/can-bo\/dang-nhap/);
  const refused = await signInWith("thuviec", fresh);
  assert.match(await refused.locator("#error-summary").innerText(), /Sai tên đăng nhập hoặc mật khẩu/);
  await admin.getByRole("button", { name: "Mở khoá tài khoản" }).click();
  await admin.waitForURL(/ok=enabled/);
  await (await signInWith("thuviec", fresh)).waitForURL(`${base}/can-bo`);
});

test("a citizen uploads the supplement asked for and the officers carry on", async () => {
  const page = await (await browser.newContext({ locale: "vi-VN" })).newPage();
  await page.goto(`${base}/thu-tuc/1.001193/nop`);
  await page.waitForURL(/\/cong-dan\/dang-nhap/);
  await page.getByLabel("Số điện thoại hoặc thư điện tử").fill("0905 111 222");
  await page.getByRole("button", { name: "Gửi mã xác thực" }).click();
  await page.waitForLoadState();
  await page.getByLabel("Mã xác thực (6 số)").fill((await page.locator("#demo-code").innerText()).trim());
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForURL(/\/thu-tuc\/1\.001193\/nop/);
  await page.getByLabel("Họ và tên người nộp").fill("Lý Thị Bổ Sung");
  await page.getByRole("button", { name: "Nộp hồ sơ" }).click();
  await page.waitForURL(/\/cong-dan\/ho-so/);
  const code = (await page.locator("tbody tr").first().locator("td").first().innerText()).trim();

  // The desk receives it and asks for a supplement, from the pages.
  const desk = await signIn("motcua");
  await desk.getByRole("link", { name: code }).click();
  await desk.waitForURL(/\/can-bo\/ho-so\//);
  await act(desk, "receive");
  await act(desk, "request_supplement", async (f) => {
    await f.getByLabel("Lý do").fill("Tờ khai chưa có chữ ký");
    await f.getByLabel(/Thành phần cần bổ sung/).fill("Tờ khai đã ký\nBản chụp Căn cước công dân");
  });
  assert.equal(await desk.locator("#status").innerText(), "Chờ bổ sung hồ sơ");
  await check(desk, "yeu-cau-bo-sung");

  // The citizen sees what was asked and uploads the files.
  await page.goto(`${base}/cong-dan/ho-so`);
  const asked = await page.locator("section.supplement").innerText();
  assert.match(asked, /Tờ khai chưa có chữ ký/);
  assert.match(asked, /Bản chụp Căn cước công dân/);
  await check(page, "cho-bo-sung");
  await page.getByRole("link", { name: "Bổ sung ngay" }).click();
  const input = () => page.locator("section.supplement").getByLabel(/Tệp bổ sung/);
  await input().setInputFiles({ name: "to-khai-da-ky.pdf", mimeType: "application/pdf", buffer: Buffer.from("MZ not a pdf") });
  await page.getByRole("button", { name: "Gửi hồ sơ bổ sung" }).click();
  await page.waitForLoadState();
  await page.waitForFunction(() => document.activeElement?.id === "error-summary");
  assert.match(await page.locator("#error-summary").innerText(), /không phải PDF, PNG hay JPEG/);
  await check(page, "bo-sung-tep-sai");
  await input().setInputFiles([
    { name: "to-khai-da-ky.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n% Tờ khai đã ký\n") },
    { name: "cccd.png", mimeType: "image/png", buffer: Buffer.from("89504e470d0a1a0a0000000d49484452", "hex") },
  ]);
  await page.getByRole("button", { name: "Gửi hồ sơ bổ sung" }).click();
  await page.waitForURL(/ok=supplemented/);
  assert.match(await page.locator(".notice").innerText(), /Đã gửi hồ sơ bổ sung/);
  assert.match(await page.locator("tbody tr").first().innerText(), /Đang xử lý/);
  assert.equal(await page.locator("section.supplement").count(), 0);
  await check(page, "da-bo-sung");

  // The desk sees the new files, the clock runs again, the dossier goes on.
  await desk.reload();
  assert.equal(await desk.locator("#status").innerText(), "Đang xử lý");
  const main = await desk.locator("main").innerText();
  assert.match(main, /to-khai-da-ky\.pdf/);
  assert.match(main, /cccd\.png/);
  assert.match(main, /Bổ sung hồ sơ/);
  await check(desk, "ho-so-da-bo-sung");
  await act(desk, "hand_off", (f) => f.locator("select").selectOption("xu_ly"));
  const specialist = await signIn("chuyenvien");
  await specialist.goto(desk.url().split("?")[0]);
  await act(specialist, "propose_result");
  await check(specialist, "ho-so-de-xuat");
});

/** A valid 1×1 PNG, as a scanner would give it. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
  "1f15c4890000000d49444154789c6300010000050001" +
  "0d0a2db40000000049454e44ae426082", "hex");

/** The value of a fact (dt/dd) on a document page. */
async function fact(page, label) {
  return (await page.locator(`dl.facts dt:text-is("${label}") + dd`).innerText({ timeout: 5000 })).trim();
}

test("e-office: a submission is drafted, reviewed, issued, delivered, registered, assigned and completed", async () => {
  const subject = `Tờ trình về việc phê duyệt kế hoạch chỉnh trang đô thị năm ${new Date().getFullYear() + 1}`;
  // (1) The specialist drafts a Tờ trình to the provincial committee and submits it.
  const author = await signIn("chuyenvienxd");
  await author.getByRole("link", { name: "Văn bản", exact: true }).click();
  await author.waitForURL(/\/can-bo\/van-ban$/);
  await check(author, "van-ban");
  await author.getByRole("link", { name: "Soạn văn bản mới" }).click();
  await author.waitForURL(/\/can-bo\/van-ban\/soan$/);
  await check(author, "van-ban-soan");
  await author.getByLabel("Loại văn bản").selectOption("to_trinh");
  await author.getByLabel("Trích yếu").fill(subject);
  await author.getByLabel("Nội dung").fill("Kính gửi: Ủy ban nhân dân tỉnh.\nSở Xây dựng kính trình kế hoạch chỉnh trang đô thị.");
  await author.getByRole("checkbox", { name: "Ủy ban nhân dân tỉnh Sen Hồng" }).check();
  await author.getByLabel("Chức vụ người ký").fill("GIÁM ĐỐC");
  await author.getByRole("button", { name: "Lưu dự thảo" }).click();
  await author.waitForURL(/\/can-bo\/van-ban\/[0-9a-f-]{36}\?ok=done/);
  await check(author, "van-ban-du-thao");
  const outgoing = author.url().split("?")[0];
  assert.equal(await fact(author, "Tình trạng"), "Dự thảo");
  assert.match(await author.locator("p.lead").innerText(), /chỉnh trang đô thị/);
  await act(author, "submit", (f) => f.getByLabel("Trình đến").selectOption({ label: "Bùi Thị Xây (lanhdaoxd)" }));
  assert.equal(await fact(author, "Tình trạng"), "Đang trình duyệt");
  assert.equal(await author.locator("form:has(input[name=action][value=submit])").count(), 0, "submitted once");

  // (2) The leader sends it back with a reason; the author revises and resubmits; the leader approves.
  const leader = await signIn("lanhdaoxd");
  await leader.goto(outgoing);
  await check(leader, "van-ban-lanh-dao");
  await act(leader, "send_back", (f) => f.getByLabel("Lý do").fill("Bổ sung dự toán kinh phí"));
  assert.match(await leader.locator("main").innerText(), /Bổ sung dự toán kinh phí/);
  await author.goto(outgoing);
  assert.equal(await fact(author, "Lý do"), "Bổ sung dự toán kinh phí");
  await check(author, "van-ban-tra-lai");
  await act(author, "revise", async (f) => {
    const body = f.getByLabel("Nội dung");
    await body.fill(`${await body.inputValue()}\nDự toán kinh phí: 1.250.000.000 đồng.`);
  });
  assert.match(await author.locator(".doc-body").innerText(), /1\.250\.000\.000 đồng/);
  await act(author, "submit", (f) => f.getByLabel("Trình đến").selectOption({ label: "Bùi Thị Xây (lanhdaoxd)" }));
  await leader.goto(outgoing);
  await act(leader, "approve");
  assert.equal(await fact(leader, "Tình trạng"), "Đã duyệt, chờ ban hành");
  assert.equal(await leader.locator("dl.facts dt", { hasText: "Lý do" }).count(), 0, "the old send-back reason is gone once resubmitted");
  await check(leader, "van-ban-da-duyet");

  // (3) The department's clerk issues it: it gets its number, and the issued PDF downloads.
  const clerk = await signIn("vanthuxd");
  await clerk.goto(outgoing);
  await act(clerk, "issue");
  assert.equal(await fact(clerk, "Số, ký hiệu"), "01/TTr-SXD");
  assert.match(await clerk.locator("h1").innerText(), /Tờ trình 01\/TTr-SXD/);
  await check(clerk, "van-ban-ban-hanh");
  assert.match(await clerk.locator("main ul li").filter({ hasText: /\.pdf/ }).innerText(), /bản ban hành, [\d,]+ KB/);
  const pdfLink = clerk.locator("main ul a").filter({ hasText: /\.pdf$/ }).first();
  const [download] = await Promise.all([clerk.waitForEvent("download"), pdfLink.click({ modifiers: ["Alt"] })]);
  const pdf = fs.readFileSync(await download.path());
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-", "the issued file is a PDF");
  const pdfHead = await clerk.request.get(base + await pdfLink.getAttribute("href"));
  assert.equal(pdfHead.headers()["content-type"], "application/pdf");

  // The signer adds a personal signature from a "USB token" (openssl with a
  // software key stands in for it): certificate in, bytes to sign out, the
  // token's signature in, a signed copy of the PDF stored.
  const tokenDir = fs.mkdtempSync(path.join(os.tmpdir(), "sen-token-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key", "-out", "token.pem",
    "-days", "30", "-subj", "/CN=Bùi Thị Xây/O=Sở Xây dựng", "-utf8", "-addext", "keyUsage=critical,digitalSignature,nonRepudiation"],
    { cwd: tokenDir, stdio: "ignore" });
  await leader.goto(outgoing);
  await leader.getByLabel(/Chứng thư số của bạn/).fill(fs.readFileSync(path.join(tokenDir, "token.pem"), "utf8"));
  await leader.getByRole("button", { name: "Chuẩn bị ký" }).click();
  await leader.waitForURL(/\/ky-so$/);
  await check(leader, "van-ban-ky-so-token");
  const tbs = await leader.getByLabel("Dữ liệu cần ký (base64)").inputValue();
  fs.writeFileSync(path.join(tokenDir, "tbs.der"), Buffer.from(tbs, "base64"));
  const sig = execFileSync("openssl", ["dgst", "-sha256", "-sign", "token.key", "tbs.der"], { cwd: tokenDir }).toString("base64");
  await leader.getByLabel("Chữ ký (base64)").fill(sig);
  await leader.getByRole("button", { name: "Hoàn tất ký số" }).click();
  await leader.waitForURL(/ok=done/);
  assert.match(await leader.locator("main ul").filter({ hasText: /bản đã ký số/ }).innerText(), /bản đã ký số/);
  fs.rmSync(tokenDir, { recursive: true, force: true });

  // (4) The committee's clerk finds it among incoming documents, typed without accents, and registers it.
  const registrar = await signIn("vanthu");
  await registrar.goto(`${base}/can-bo/van-ban`);
  await registrar.getByLabel(/Tìm văn bản/).fill("chinh trang do thi");
  await registrar.getByLabel("Loại sổ").selectOption("incoming");
  await registrar.getByRole("button", { name: "Tìm kiếm" }).click();
  await registrar.waitForURL(/q=chinh\+trang\+do\+thi/);
  await check(registrar, "van-ban-den-tim");
  const rows = registrar.locator("main tbody tr");
  assert.equal(await rows.count(), 1, await registrar.locator("main").innerText());
  assert.match(await rows.first().innerText(), /01\/TTr-SXD/);
  assert.match(await rows.first().innerText(), /Chờ vào sổ/);
  await rows.first().getByRole("link").click();
  await registrar.waitForURL(/\/can-bo\/van-ban\/[0-9a-f-]{36}$/);
  await check(registrar, "van-ban-den");
  const incoming = registrar.url();
  await act(registrar, "register");
  assert.match(await fact(registrar, "Số đến"), /^1\/\d{4}$/);
  assert.equal(await fact(registrar, "Tình trạng"), "Đã vào sổ, chờ phân công");
  await check(registrar, "van-ban-den-vao-so");

  // (5) The chairman assigns it to the Department of Justice; its specialist gives an opinion and completes it.
  const chairman = await signIn("chutich");
  await chairman.goto(incoming);
  await check(chairman, "van-ban-den-phan-cong");
  // A handler who does not work in the chosen unit: refused, and the summary leads to the handler field.
  const assign = chairman.locator("form:has(input[name=action][value=assign])");
  await assign.getByLabel("Đơn vị xử lý").selectOption({ label: "Văn phòng Ủy ban nhân dân tỉnh" });
  await assign.getByLabel("Người xử lý").selectOption({ label: "Lê Văn Chuyên (chuyenvien)" });
  await assign.locator("button[type=submit]").click();
  await chairman.waitForFunction(() => document.activeElement?.id === "error-summary");
  assert.match(await chairman.locator("#error-summary").innerText(), /Lê Văn Chuyên không có quyền/);
  await check(chairman, "van-ban-phan-cong-loi");
  await chairman.locator("#error-summary a").first().click();
  await chairman.waitForFunction(() => document.activeElement?.id === "account_id-assign");
  await act(chairman, "assign", async (f) => {
    await f.getByLabel("Đơn vị xử lý").selectOption({ label: "Sở Tư pháp" });
    await f.getByLabel("Người xử lý").selectOption({ label: "Lê Văn Chuyên (chuyenvien)" });
    await f.getByLabel("Ghi chú").fill("Sở Tư pháp thẩm định, báo cáo");
  });
  assert.equal(await fact(chairman, "Tình trạng"), "Đã phân công xử lý");
  assert.equal(await fact(chairman, "Đơn vị xử lý"), "Sở Tư pháp");
  assert.equal(await fact(chairman, "Người xử lý"), "Lê Văn Chuyên (chuyenvien)");
  const handler = await signIn("chuyenvien");
  await handler.goto(`${base}/can-bo/van-ban?mine=1`);
  await check(handler, "van-ban-cua-toi");
  await handler.getByRole("link", { name: subject }).click();
  await handler.waitForURL(incoming);
  await check(handler, "van-ban-xu-ly");
  await act(handler, "opinion", (f) => f.getByLabel("Ý kiến xử lý").fill("Đề nghị Sở Xây dựng làm rõ nguồn vốn"));
  await act(handler, "complete", (f) => f.getByLabel("Ghi chú").fill("Đã có văn bản thẩm định"));
  assert.equal(await fact(handler, "Tình trạng"), "Đã hoàn thành");
  const timeline = await handler.locator("main table").last().innerText();
  assert.match(timeline, /Đề nghị Sở Xây dựng làm rõ nguồn vốn/);
  assert.match(timeline, /Hoàn thành xử lý/);
  assert.match(timeline, /Trương Văn Tỉnh\s+Phân công xử lý/, "the timeline says who assigned it");
  assert.match(timeline, /Lê Văn Chuyên\s+Cho ý kiến xử lý/, "and who gave the opinion");
  await check(handler, "van-ban-hoan-thanh");

  // (6) The author sees the recipient's status come back.
  await author.goto(outgoing);
  const recipient = author.locator("tr", { hasText: "Ủy ban nhân dân tỉnh Sen Hồng" });
  assert.match(await recipient.innerText(), /Đã hoàn thành/);
  await check(author, "van-ban-noi-nhan-xong");

  // (7) Paper mail with a scan: the subject forgotten first, then right.
  await registrar.goto(`${base}/can-bo/van-ban`);
  await registrar.getByRole("link", { name: "Vào sổ văn bản đến" }).click();
  await registrar.waitForURL(/\/can-bo\/van-ban\/vao-so$/);
  await check(registrar, "vao-so");
  await registrar.getByLabel("Sổ đăng ký").selectOption({ label: "Sổ văn bản đến – UBND tỉnh" });
  await registrar.getByLabel("Số, ký hiệu").fill("15/BTP-VP");
  await registrar.getByLabel("Nơi gửi").fill("Bộ Tư pháp");
  await registrar.getByLabel(/Bản quét/).setInputFiles({ name: "cong-van-15.png", mimeType: "image/png", buffer: PNG });
  // The browser would stop a missing required field itself: the server must say it too.
  await registrar.locator("#subject").evaluate((el) => el.removeAttribute("required"));
  await registrar.getByRole("button", { name: "Vào sổ văn bản đến" }).click();
  await registrar.waitForLoadState();
  await registrar.waitForFunction(() => document.activeElement?.id === "error-summary");
  await check(registrar, "vao-so-loi");
  assert.match(await registrar.locator("#error-summary").innerText(), /Trích yếu: Trường này không được để trống/);
  assert.equal(await registrar.locator("#subject").getAttribute("aria-invalid"), "true");
  assert.equal(await registrar.locator("#sender_name").getAttribute("aria-invalid"), null);
  assert.match(await registrar.locator("#file-hint").innerText(), /chọn lại bản quét/);
  // The summary's link leads to the missing field.
  await registrar.locator("#error-summary a").first().click();
  await registrar.waitForFunction(() => document.activeElement?.id === "subject");
  assert.equal(await registrar.getByLabel("Số, ký hiệu").inputValue(), "15/BTP-VP", "what was typed is kept");
  assert.equal(await registrar.getByLabel("Nơi gửi").inputValue(), "Bộ Tư pháp", "what was typed is kept");
  assert.equal(await registrar.getByLabel("Sổ đăng ký").inputValue(),
    await registrar.locator("#register_id option", { hasText: "Sổ văn bản đến – UBND tỉnh" }).getAttribute("value"));
  await registrar.getByLabel("Trích yếu").fill("Về việc rà soát văn bản quy phạm pháp luật");
  await registrar.getByLabel(/Bản quét/).setInputFiles({ name: "cong-van-15.png", mimeType: "image/png", buffer: PNG });
  await registrar.getByRole("button", { name: "Vào sổ văn bản đến" }).click();
  await registrar.waitForURL(/\/can-bo\/van-ban\/[0-9a-f-]{36}\?ok=done/);
  assert.match(await fact(registrar, "Số đến"), /^2\/\d{4}$/);
  assert.equal(await fact(registrar, "Số, ký hiệu"), "15/BTP-VP");
  assert.equal(await fact(registrar, "Nơi gửi"), "Bộ Tư pháp");
  assert.match(await registrar.locator("main").innerText(), /cong-van-15\.png/);
  await check(registrar, "vao-so-xong");
  const scan = await registrar.request.get(base + await registrar.getByRole("link", { name: "cong-van-15.png" }).getAttribute("href"));
  assert.equal(scan.headers()["content-type"], "image/png");
  assert.deepEqual(Buffer.from(await scan.body()), PNG);

  // The same page in English.
  await registrar.goto(`${registrar.url().split("?")[0]}?lang=en`);
  assert.equal(await registrar.getAttribute("html", "lang"), "en");
  assert.ok(await registrar.locator("dl.facts dt", { hasText: "Incoming number" }).count() === 1, "the facts are labelled in English");
  assert.match(await registrar.locator("h2", { hasText: "History" }).innerText(), /History/);
  await check(registrar, "document-en");
});

test("a leader reads the service index and drills down to a unit", async () => {
  const leader = await signIn("chutich");
  await leader.getByRole("link", { name: "Chỉ số phục vụ" }).click();
  await leader.waitForURL(`${base}/can-bo/chi-so`);
  await check(leader, "chi-so-tinh");
  // Charts are server-rendered SVG with a title, and the same figures in a table.
  assert.ok(await leader.locator("svg[role=img] title").count() > 0, "an accessible chart");
  assert.ok(await leader.locator("main table").count() > 0, "figures in a table");
  const unitLink = leader.locator("main a[href^='/can-bo/chi-so/don-vi/']").first();
  await unitLink.click();
  await leader.waitForURL(/\/can-bo\/chi-so\/don-vi\//);
  await check(leader, "chi-so-don-vi");
  // The exports download.
  const xlsx = await leader.request.get(`${base}/can-bo/chi-so/xuat.xlsx`);
  assert.equal(xlsx.status(), 200);
  assert.equal((await xlsx.body()).subarray(0, 2).toString(), "PK", "an .xlsx is a zip");
  const pdf = await leader.request.get(`${base}/can-bo/chi-so/xuat.pdf`);
  assert.equal((await pdf.body()).subarray(0, 5).toString(), "%PDF-");
  // The desk officer may not read reports.
  const desk = await signIn("motcua");
  const r = await desk.goto(`${base}/can-bo/chi-so`);
  assert.equal(r.status(), 403);
});

test("every page the journeys visited weighs under 100 KB compressed (HTML, CSS and JS)", async () => {
  assert.ok(weights.length >= seen.length, `${weights.length} pages weighed, ${seen.length} checked`);
  await assertWeights();
});
