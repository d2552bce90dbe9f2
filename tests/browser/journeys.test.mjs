// The main journeys of Sen in a real browser (Debian's Chromium, headless),
// with axe-core run on every page visited: any serious or critical
// accessibility violation fails the journey. Screenshots of every page go to
// artifacts/screenshots/ (not committed).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "../..");
const senBin = process.env.SEN_BIN ?? path.join(root, "target/debug/sen");
const shots = path.join(root, "artifacts/screenshots");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const PASSWORD = "sen-demo-2026";

let server, base, browser, dataDir;
const seen = [];

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
});

after(async () => {
  await browser?.close();
  server?.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(`pages checked with axe-core: ${seen.length}`);
});

/** Screenshot, then axe-core: fails on any serious or critical violation. */
async function check(page, name) {
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
