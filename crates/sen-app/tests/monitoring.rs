//! The monitoring counters against a recount from the raw dossiers and
//! events, after a realistic mixed run on the backend under test; and the
//! dashboards' figures against the same recount.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sen_app::dossiers::{Applicant, Intake};
use sen_app::monitoring::Period;
use sen_app::{Actor, App};
use sen_domain::dossier::Action;
use sen_store::monitoring::{self as mon, Counts};
use sen_store::testing::TestDb;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    sen_domain::vi::vn_offset()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// A small deterministic generator (the run must be the same every time).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn applicant(i: usize) -> Applicant {
    Applicant {
        name: format!("Người nộp {i}"),
        phone: Some(format!("09{:08}", 12_000_000 + i)),
        email: None,
        id_number: None,
        address: None,
    }
}

/// The steps a dossier of each demo procedure is handed to before its
/// result is proposed, and the approval step.
fn route(code: &str) -> (&'static [&'static str], &'static str) {
    match code {
        "2.000488" => (&["tham_dinh", "xac_minh", "du_thao"], "phe_duyet"),
        "1.001193" => (&["xu_ly"], "phe_duyet"),
        _ => (&["tham_dinh"], "phe_duyet"),
    }
}

struct Run {
    app: App,
    tenant: Uuid,
    clock: Arc<Mutex<DateTime<Utc>>>,
    /// The leader who approves extensions.
    leader: Uuid,
    _t: TestDb,
}

impl Run {
    fn advance(&self, hours: i64) {
        let mut c = self.clock.lock().unwrap();
        *c += Duration::hours(hours);
    }

    async fn act(&self, id: Uuid, a: Action) {
        self.app.act(&Actor::Operator, id, a).await.unwrap();
    }
}

async fn citizen(app: &App, i: usize) -> Actor {
    let phone = format!("08{:08}", 30_000_000 + i);
    let c = app
        .db
        .transaction(|tx| {
            let phone = phone.clone();
            Box::pin(async move {
                let (c, _) = sen_store::citizens::find_or_create(tx, Some(&phone), None).await?;
                Ok::<_, sen_store::StoreError>(c)
            })
        })
        .await
        .unwrap();
    Actor::Citizen { id: c.id }
}

/// Drives `n` dossiers through a realistic mix of fates over about two
/// months: counter and online, rejected at intake, supplements, results on
/// time and late, extensions, refusals, stops, withdrawals, returns and
/// ratings; some left open, a few of them overdue.
async fn mixed_run(n: usize) -> Run {
    let t = TestDb::new().await;
    let clock = Arc::new(Mutex::new(vn(2026, 1, 26, 8, 0)));
    let c = clock.clone();
    let app = App::new(t.db.clone(), sen_app::Settings::default())
        .with_clock(Arc::new(move || *c.lock().unwrap()));
    app.load_demo().await.unwrap();
    let tenant = app.public_overview().await.unwrap().0.unwrap().id;
    let leader = app.account_by_username("lanhdao").await.unwrap().id;
    let run = Run {
        app,
        tenant,
        clock,
        leader,
        _t: t,
    };
    let codes = ["2.000488", "1.001193", "1.009972"];
    let mut rng = Lcg(7);
    let mut open: Vec<(Uuid, &str)> = Vec::new();
    for i in 0..n {
        run.advance(1 + rng.below(20) as i64);
        let code = codes[rng.below(3) as usize];
        let online = rng.below(3) == 0;
        let id = if online {
            let who = citizen(&run.app, i).await;
            let d = run
                .app
                .submit_online(&who, run.tenant, code, applicant(i))
                .await
                .unwrap();
            match rng.below(10) {
                0 | 4 => {
                    run.act(
                        d.row.id,
                        Action::RejectAtIntake {
                            reason: "Không thuộc thẩm quyền".into(),
                        },
                    )
                    .await;
                    if rng.below(2) == 0 {
                        run.app
                            .act(&who, d.row.id, Action::Rate { score: 2 })
                            .await
                            .unwrap();
                    }
                    continue;
                }
                1 => {
                    run.app.act(&who, d.row.id, Action::Withdraw).await.unwrap();
                    continue;
                }
                2 => {
                    run.act(
                        d.row.id,
                        Action::RequestSupplement {
                            reason: "Thiếu giấy tờ".into(),
                            missing: vec!["Bản sao CCCD".into()],
                        },
                    )
                    .await;
                    run.advance(5);
                    run.act(d.row.id, Action::Supplement).await;
                }
                3 => continue, // left waiting for intake
                _ => {}
            }
            run.advance(rng.below(6) as i64);
            run.act(d.row.id, Action::Receive).await;
            d.row.id
        } else {
            run.app
                .receive_at_counter(
                    &Actor::Operator,
                    run.tenant,
                    Intake {
                        procedure_code: code.into(),
                        applicant: applicant(i),
                        receiving_unit_id: None,
                    },
                )
                .await
                .unwrap()
                .row
                .id
        };
        open.push((id, code));
        // Work on a few open dossiers each round.
        for _ in 0..2 {
            if open.is_empty() {
                break;
            }
            let k = rng.below(open.len() as u64) as usize;
            let (id, code) = open.swap_remove(k);
            finish(&run, &mut rng, id, code).await;
        }
    }
    // A few concurrent actions on different dossiers.
    let mut handles = Vec::new();
    for (id, code) in open.drain(..).take(4) {
        let app = run.app.clone();
        let (steps, _) = route(code);
        handles.push(tokio::spawn(async move {
            app.act(
                &Actor::Operator,
                id,
                Action::HandOff {
                    to_step: steps[0].into(),
                },
            )
            .await
            .unwrap();
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    // Time passes: what is still open may now be overdue.
    run.advance(24 * 12);
    run
}

/// One dossier's fate from receipt on.
async fn finish(run: &Run, rng: &mut Lcg, id: Uuid, code: &str) {
    let (steps, approve) = route(code);
    let fate = rng.below(12);
    let slow = if rng.below(4) == 0 { 24 * 9 } else { 3 };
    run.act(
        id,
        Action::HandOff {
            to_step: steps[0].into(),
        },
    )
    .await;
    match fate {
        0 => {
            run.act(
                id,
                Action::Refuse {
                    reason: "Không đủ điều kiện".into(),
                },
            )
            .await;
            return;
        }
        1 => {
            run.act(
                id,
                Action::Stop {
                    reason: "Người nộp đề nghị dừng".into(),
                },
            )
            .await;
            return;
        }
        2 => {
            run.act(id, Action::Withdraw).await;
            return;
        }
        3 => {
            run.act(
                id,
                Action::RequestSupplement {
                    reason: "Bổ sung bản vẽ".into(),
                    missing: vec!["Bản vẽ".into()],
                },
            )
            .await;
            if rng.below(2) == 0 {
                return; // still waiting for the applicant
            }
            run.advance(30);
            run.act(id, Action::Supplement).await;
        }
        4 => {
            let d = run.app.dossier_by_id(id).await.unwrap();
            let due = chrono::NaiveDateTime::parse_from_str(
                d.row.due_at.as_deref().unwrap(),
                "%Y-%m-%dT%H:%M",
            )
            .unwrap();
            run.act(
                id,
                Action::Extend {
                    new_due: due + Duration::days(14),
                    approved_by: run.leader,
                    reason: "Cần xác minh thêm".into(),
                },
            )
            .await;
        }
        5 => return, // left in process
        _ => {}
    }
    run.advance(slow);
    for s in &steps[1..] {
        run.act(
            id,
            Action::HandOff {
                to_step: (*s).into(),
            },
        )
        .await;
    }
    run.act(id, Action::ProposeResult).await;
    run.act(
        id,
        Action::HandOff {
            to_step: approve.into(),
        },
    )
    .await;
    run.act(id, Action::ApproveResult).await;
    if rng.below(5) != 0 {
        run.advance(2);
        run.act(id, Action::Return).await;
        if rng.below(3) != 0 {
            run.act(
                id,
                Action::Rate {
                    score: 1 + rng.below(5) as u8,
                },
            )
            .await;
        }
    }
}

#[tokio::test]
async fn the_counters_equal_a_recount_after_a_mixed_run() {
    let run = mixed_run(70).await;
    let db = &run.app.db;
    let stored = mon::stored_rows(db, false).await.unwrap();
    let recount = mon::recount(db).await.unwrap();
    assert_eq!(stored, recount, "daily counters = recount");
    // The mix really happened.
    let mut total = Counts::default();
    for (_, c) in &recount {
        total.add(c);
    }
    assert!(total.received >= 40, "{total:?}");
    assert!(total.received_online > 0, "{total:?}");
    assert!(total.finished_late > 0, "{total:?}");
    assert!(
        total.finished_early + total.finished_on_time > 0,
        "{total:?}"
    );
    assert!(total.withdrawn > 0, "{total:?}");
    assert!(total.rejected_at_intake > 0, "{total:?}");
    assert!(total.returned > 0, "{total:?}");
    assert!(total.rated > 0, "{total:?}");
    assert!(total.supplement_requests > 0, "{total:?}");
    // Months are the sums of their days.
    let mut months: BTreeMap<(String, String, String, String), Counts> = BTreeMap::new();
    for ((t, p, u, d), c) in &recount {
        months
            .entry((t.clone(), p.clone(), u.clone(), d[..7].to_string()))
            .or_default()
            .add(c);
    }
    let months: Vec<_> = months.into_iter().filter(|(_, c)| !c.is_zero()).collect();
    assert!(
        months
            .iter()
            .map(|m| &m.0 .3)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            >= 2,
        "the run spans months"
    );
    assert_eq!(
        mon::stored_rows(db, true).await.unwrap(),
        months,
        "monthly counters"
    );
    // And the event log still verifies.
    let v = sen_store::events::verify(db).await.unwrap();
    assert!(v.tamper.is_none() && v.head_matches);
}

/// What the dashboards should say, counted from the dossier rows in Rust.
#[derive(Debug, Default, PartialEq)]
struct Direct {
    received: i64,
    received_online: i64,
    early: i64,
    on_time: i64,
    late: i64,
    open_running: i64,
    open_paused: i64,
    overdue: i64,
    rated: i64,
    rating_sum: i64,
}

#[tokio::test]
async fn the_dashboard_equals_a_recount_from_the_dossiers() {
    let run = mixed_run(50).await;
    let app = &run.app;
    let period = Period::new(
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
    )
    .unwrap();
    let report = app
        .monitoring_province(&Actor::Operator, run.tenant, period)
        .await
        .unwrap();
    let rows = sen_store::dossiers::list(
        &app.db,
        run.tenant,
        &sen_store::dossiers::DossierFilter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let today = format!("{}T00:00", app.now_local().date().format("%Y-%m-%d"));
    let mut d = Direct::default();
    for r in &rows {
        if r.received_at.is_some() {
            d.received += 1;
            d.received_online += i64::from(r.channel == "online");
        }
        match r.timeliness.as_deref() {
            Some("early") => d.early += 1,
            Some("on_time") => d.on_time += 1,
            Some("late") => d.late += 1,
            _ => {}
        }
        if r.received_at.is_some() && r.completed_at.is_none() {
            if r.status == "waiting_supplement" {
                d.open_paused += 1;
            } else {
                d.open_running += 1;
                if r.due_at.as_deref().is_some_and(|due| due < today.as_str()) {
                    d.overdue += 1;
                }
            }
        }
        if let Some(s) = r.rating {
            d.rated += 1;
            d.rating_sum += s;
        }
    }
    let f = report.figures;
    let got = Direct {
        received: f.received,
        received_online: f.received_online,
        early: f.finished_early,
        on_time: f.finished_on_time,
        late: f.finished_late,
        open_running: f.open_running,
        open_paused: f.open_paused,
        overdue: f.overdue_now,
        rated: f.rated,
        rating_sum: f.rating_sum,
    };
    assert_eq!(got, d);
    assert!(d.overdue > 0, "some dossiers are overdue at the end: {d:?}");
    // Units: the lead agencies of the demo catalogue, ranked, adding up to
    // the province.
    let codes: Vec<&str> = report.units.iter().map(|u| u.code.as_str()).collect();
    assert!(
        codes.contains(&"H99.02") && codes.contains(&"H99.03"),
        "{codes:?}"
    );
    let sum: i64 = report.units.iter().map(|u| u.figures.received).sum();
    assert_eq!(sum, f.received);
    assert_eq!(report.units[0].rank, Some(1));
    // Criteria without data are shown so, and score nothing.
    let payment = report
        .score
        .groups
        .iter()
        .find(|g| g.key == "online_payment")
        .unwrap();
    assert!(payment
        .criteria
        .iter()
        .all(|c| c.rate.is_none() && c.points.is_none()));
    assert_eq!(payment.points, 0.0);
    // The province's on-time criterion is the recount's rate.
    let on_time = report
        .score
        .groups
        .iter()
        .flat_map(|g| &g.criteria)
        .find(|c| c.key == "finished_on_time")
        .unwrap();
    let expect = (d.early + d.on_time) as f64 * 100.0 / (d.early + d.on_time + d.late) as f64;
    assert!((on_time.rate.unwrap() - expect).abs() < 1e-9);
    // A half period counts only what happened in it.
    let half = Period::new(
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 2, 10).unwrap(),
    )
    .unwrap();
    let part = app
        .monitoring_province(&Actor::Operator, run.tenant, half)
        .await
        .unwrap();
    let cut = |t: &Option<String>| {
        t.as_deref()
            .map(|t| mon::vn_day(t).unwrap() <= half.to)
            .unwrap_or(false)
    };
    let received_in_half = rows.iter().filter(|r| cut(&r.received_at)).count() as i64;
    assert_eq!(part.figures.received, received_in_half);
    let late_in_half = rows
        .iter()
        .filter(|r| r.timeliness.as_deref() == Some("late") && cut(&r.completed_at))
        .count() as i64;
    assert_eq!(part.figures.finished_late, late_in_half);
    // Drill-down: the justice department's late and overdue dossiers are
    // exactly those of its procedures.
    let justice = report.units.iter().find(|u| u.code == "H99.02").unwrap();
    let detail = app
        .monitoring_unit(&Actor::Operator, justice.unit_id, period)
        .await
        .unwrap();
    assert_eq!(detail.unit.figures.received, justice.figures.received);
    let expect_late = rows
        .iter()
        .filter(|r| {
            let p = detail.late.iter().any(|l| l.dossier.id == r.id);
            // Codes carry the lead agency's unit code.
            let justice_proc = r.code.starts_with("H99.02-");
            let late = r.timeliness.as_deref() == Some("late");
            let overdue = r.completed_at.is_none()
                && r.received_at.is_some()
                && r.status != "waiting_supplement"
                && r.due_at.as_deref().is_some_and(|d| d < today.as_str());
            assert_eq!(p, justice_proc && (late || overdue), "{}", r.code);
            p
        })
        .count();
    assert_eq!(expect_late, detail.late.len());
    // Staff without ReportRead on the province are refused.
    let desk = app.account_by_username("motcua").await.unwrap();
    let officer = Actor::Staff {
        id: desk.id,
        tenant_id: desk.tenant_id,
        username: desk.username.clone(),
        grants: sen_store::accounts::grants(&app.db, desk.id).await.unwrap(),
    };
    assert!(app
        .monitoring_province(&officer, run.tenant, period)
        .await
        .is_err());
}
