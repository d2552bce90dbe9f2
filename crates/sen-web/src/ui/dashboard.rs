//! The monitoring dashboard for leaders and auditors (ReportRead): the
//! province's Quyết định 766 index by group, dossier figures, a chart per
//! month, the ranking of units, and the drill-down from a unit to its late
//! and overdue dossiers; exports as .xlsx and PDF. Charts are SVG rendered
//! on the server, each with a title, a description and the same figures in
//! a table beside it.

use super::{error_page, render, Page, PageCtx, Tr};
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use sen_app::monitoring::{fmt1, MonthFigures, Period, ProvinceReport, UnitDetail};
use sen_app::{Actor, AppError};
use sen_domain::monitoring::Score;
use serde::Deserialize;
use uuid::Uuid;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/can-bo/chi-so", get(province))
        .route("/can-bo/chi-so/xuat.xlsx", get(province_xlsx))
        .route("/can-bo/chi-so/xuat.pdf", get(province_pdf))
        .route("/can-bo/chi-so/don-vi/{id}", get(unit))
}

#[derive(Deserialize, Default)]
pub(crate) struct PeriodForm {
    tu: Option<String>,
    den: Option<String>,
}

fn parse_day(s: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                sen_domain::Invalid::new(
                    "tu",
                    format!("Ngày «{s}» không hợp lệ (YYYY-MM-DD)"),
                    format!("date «{s}» is invalid (YYYY-MM-DD)"),
                )
                .into()
            }),
    }
}

/// The period asked for, this year so far by default.
pub(crate) fn period_of(state: &WebState, f: &PeriodForm) -> Result<Period, AppError> {
    let d = state.app.default_period();
    Period::new(
        parse_day(f.tu.as_deref())?.unwrap_or(d.from),
        parse_day(f.den.as_deref())?.unwrap_or(d.to),
    )
}

fn staff_tenant(p: &Page) -> Option<(Actor, Uuid)> {
    match &p.actor {
        Some(a @ Actor::Staff { tenant_id, .. }) => Some((a.clone(), *tenant_id)),
        _ => None,
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars: each group's points against its maximum.
fn groups_svg(score: &Score, tr: Tr, id: &str) -> String {
    let row_h = 34.0;
    let (label_w, bar_w) = (300.0, 360.0);
    let h = 30.0 + row_h * score.groups.len() as f64;
    let name = |vi: &str, en: &str| {
        if tr.en {
            en.to_string()
        } else {
            vi.to_string()
        }
    };
    let mut desc = Vec::new();
    let mut body = String::new();
    for (i, g) in score.groups.iter().enumerate() {
        let y = 20.0 + row_h * i as f64;
        let label = name(&g.name_vi, &g.name_en);
        let value = if g.has_data() {
            format!("{} / {}", fmt1(g.points, tr.en), fmt1(g.max, tr.en))
        } else {
            tr.s("mon_no_data").to_string()
        };
        desc.push(format!("{label}: {value}"));
        let full = bar_w;
        let got = if g.max > 0.0 {
            g.points / g.max * bar_w
        } else {
            0.0
        };
        let with_data = if g.max > 0.0 {
            g.max_with_data / g.max * bar_w
        } else {
            0.0
        };
        body.push_str(&format!(
            "<text x=\"0\" y=\"{ty:.0}\" font-size=\"14\" fill=\"#1b1b1b\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y:.0}\" width=\"{full:.1}\" height=\"20\" fill=\"#ffffff\" stroke=\"#6b6b6b\"/>\
             <rect x=\"{label_w}\" y=\"{y:.0}\" width=\"{with_data:.1}\" height=\"20\" fill=\"#dde6f0\"/>\
             <rect x=\"{label_w}\" y=\"{y:.0}\" width=\"{got:.1}\" height=\"20\" fill=\"#1d5a8e\"/>\
             <text x=\"{vx:.0}\" y=\"{ty:.0}\" font-size=\"14\" fill=\"#1b1b1b\">{value}</text>",
            ty = y + 15.0,
            label = esc(&label),
            value = esc(&value),
            vx = label_w + bar_w + 10.0,
        ));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"100%\" \
         aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>{body}</svg>",
        w = label_w + bar_w + 120.0,
        title = esc(tr.s("mon_chart_groups")),
        desc = esc(&desc.join("; ")),
    )
}

/// Stacked columns per month: finished on time and late; received as a dot.
fn months_svg(months: &[MonthFigures], tr: Tr, id: &str) -> String {
    let n = months.len().max(1) as f64;
    let (w, h, left, bottom) = (760.0, 260.0, 50.0, 40.0);
    let plot_h = h - bottom - 20.0;
    let col_w = ((w - left) / n).min(60.0);
    let max = months
        .iter()
        .map(|m| m.received.max(m.finished_on_time + m.finished_late))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let y = |v: f64| 20.0 + plot_h - v / max * plot_h;
    let mut body = format!(
        "<line x1=\"{left}\" y1=\"{b:.0}\" x2=\"{w}\" y2=\"{b:.0}\" stroke=\"#6b6b6b\"/>\
         <text x=\"0\" y=\"28\" font-size=\"12\" fill=\"#1b1b1b\">{max:.0}</text>",
        b = 20.0 + plot_h
    );
    let mut desc = Vec::new();
    for (i, m) in months.iter().enumerate() {
        let x = left + col_w * i as f64 + 4.0;
        let bw = (col_w - 8.0).max(2.0);
        let on = m.finished_on_time as f64;
        let late = m.finished_late as f64;
        body.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bw:.1}\" height=\"{h1:.1}\" fill=\"#2e7d32\"/>\
             <rect x=\"{x:.1}\" y=\"{y2:.1}\" width=\"{bw:.1}\" height=\"{h2:.1}\" fill=\"#b3261e\"/>\
             <circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"#1d5a8e\"/>\
             <text x=\"{x:.1}\" y=\"{ly:.0}\" font-size=\"11\" fill=\"#1b1b1b\">{label}</text>",
            y1 = y(on),
            h1 = on / max * plot_h,
            y2 = y(on + late),
            h2 = late / max * plot_h,
            cx = x + bw / 2.0,
            cy = y(m.received as f64),
            ly = h - 18.0,
            label = esc(&m.month[2..]),
        ));
        desc.push(format!(
            "{}: {} {}, {} {}, {} {}",
            m.month,
            m.received,
            tr.s("mon_received"),
            m.finished_on_time,
            tr.s("mon_on_time"),
            m.finished_late,
            tr.s("mon_late")
        ));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>{body}</svg>",
        title = esc(tr.s("mon_chart_months")),
        desc = esc(&desc.join("; ")),
    )
}

/// Figures of the page, formatted.
pub struct Kpi {
    pub label: String,
    pub value: String,
}

fn pct(x: Option<f64>, tr: Tr) -> String {
    x.map(|v| format!("{}%", fmt1(v, tr.en)))
        .unwrap_or_else(|| tr.s("mon_no_data").to_string())
}

fn kpis(f: &sen_domain::monitoring::Figures, tr: Tr) -> Vec<Kpi> {
    let k = |key: &str, value: String| Kpi {
        label: tr.s(key).to_string(),
        value,
    };
    vec![
        k("mon_received", f.received.to_string()),
        k("mon_online_share", pct(f.online_share(), tr)),
        k("mon_finished", f.finished().to_string()),
        k(
            "mon_on_time_rate",
            pct(f.rate(sen_domain::monitoring::Metric::OnTimeRate), tr),
        ),
        k("mon_late", f.finished_late.to_string()),
        k("mon_open", f.open().to_string()),
        k("mon_overdue", f.overdue_now.to_string()),
        k("mon_late_rate", pct(f.late_rate(), tr)),
        k(
            "mon_avg_days",
            f.average_processing_days()
                .map(|d| fmt1(d, tr.en))
                .unwrap_or_else(|| tr.s("mon_no_data").to_string()),
        ),
        k(
            "mon_satisfaction",
            pct(f.rate(sen_domain::monitoring::Metric::SatisfactionRate), tr),
        ),
        k(
            "mon_avg_rating",
            f.average_rating()
                .map(|d| fmt1(d, tr.en))
                .unwrap_or_else(|| tr.s("mon_no_data").to_string()),
        ),
    ]
}

/// One row of the criteria table.
pub struct CriterionRow {
    pub group: bool,
    pub name: String,
    pub target: String,
    pub rate: String,
    pub points: String,
    pub max: String,
}

fn criteria_rows(s: &Score, tr: Tr) -> Vec<CriterionRow> {
    let nd = tr.s("mon_no_data");
    let mut out = Vec::new();
    for g in &s.groups {
        out.push(CriterionRow {
            group: true,
            name: if tr.en {
                g.name_en.clone()
            } else {
                g.name_vi.clone()
            },
            target: String::new(),
            rate: String::new(),
            points: if g.has_data() {
                fmt1(g.points, tr.en)
            } else {
                nd.to_string()
            },
            max: fmt1(g.max, tr.en),
        });
        for c in &g.criteria {
            out.push(CriterionRow {
                group: false,
                name: if tr.en {
                    c.name_en.clone()
                } else {
                    c.name_vi.clone()
                },
                target: format!("{}%", fmt1(c.target, tr.en)),
                rate: pct(c.rate, tr),
                points: c
                    .points
                    .map(|p| fmt1(p, tr.en))
                    .unwrap_or_else(|| nd.to_string()),
                max: fmt1(c.max, tr.en),
            });
        }
    }
    out
}

pub struct RankRow {
    pub rank: String,
    pub unit_id: Uuid,
    pub name: String,
    pub code: String,
    pub received: i64,
    pub on_time_rate: String,
    pub overdue: i64,
    pub points: String,
    pub percent: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    tr: Tr,
    ctx: PageCtx,
    title: String,
    basis: String,
    computed_at: String,
    from: String,
    to: String,
    query: String,
    kpis: Vec<Kpi>,
    total: String,
    percent: String,
    criteria: Vec<CriterionRow>,
    groups_svg: String,
    months_svg: String,
    months: Vec<MonthFigures>,
    ranking: Vec<RankRow>,
}

#[derive(Template)]
#[template(path = "dashboard_unit.html")]
struct UnitPage {
    tr: Tr,
    ctx: PageCtx,
    name: String,
    code: String,
    from: String,
    to: String,
    query: String,
    kpis: Vec<Kpi>,
    total: String,
    percent: String,
    criteria: Vec<CriterionRow>,
    groups_svg: String,
    procedures: Vec<(String, String, i64, String, i64, i64)>,
    late: Vec<LateView>,
}

pub struct LateView {
    pub id: Uuid,
    pub code: String,
    pub procedure: String,
    pub kind: String,
    pub due: String,
    pub completed: String,
}

fn query_of(p: Period) -> String {
    format!("tu={}&den={}", p.from, p.to)
}

fn total_and_percent(s: &Score, tr: Tr) -> (String, String) {
    (
        format!(
            "{} / {}",
            fmt1(s.points, tr.en),
            fmt1(s.max_with_data, tr.en)
        ),
        pct(s.percent, tr),
    )
}

async fn load(state: &WebState, p: &Page, f: &PeriodForm) -> Result<ProvinceReport, AppError> {
    let (actor, tenant) = staff_tenant(p).ok_or(AppError::Unauthenticated)?;
    let period = period_of(state, f)?;
    state.app.monitoring_province(&actor, tenant, period).await
}

async fn province(State(state): State<WebState>, p: Page, Query(f): Query<PeriodForm>) -> Response {
    if staff_tenant(&p).is_none() {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    }
    let r = match load(&state, &p, &f).await {
        Ok(r) => r,
        Err(e) => return error_page(p, e),
    };
    let tr = p.tr;
    let (total, percent) = total_and_percent(&r.score, tr);
    render(
        StatusCode::OK,
        Dashboard {
            title: if tr.en {
                r.index_name_en.clone()
            } else {
                r.index_name_vi.clone()
            },
            basis: r.index_basis.clone(),
            computed_at: r.computed_at.replace('T', " "),
            from: r.period.from.to_string(),
            to: r.period.to.to_string(),
            query: query_of(r.period),
            kpis: kpis(&r.figures, tr),
            total,
            percent,
            criteria: criteria_rows(&r.score, tr),
            groups_svg: groups_svg(&r.score, tr, "chart-groups"),
            months_svg: months_svg(&r.months, tr, "chart-months"),
            months: r.months.clone(),
            ranking: r
                .units
                .iter()
                .map(|u| RankRow {
                    rank: u.rank.map(|x| x.to_string()).unwrap_or_else(|| "–".into()),
                    unit_id: u.unit_id,
                    name: u.name.clone(),
                    code: u.code.clone(),
                    received: u.figures.received,
                    on_time_rate: pct(
                        u.figures.rate(sen_domain::monitoring::Metric::OnTimeRate),
                        tr,
                    ),
                    overdue: u.figures.overdue_now,
                    points: fmt1(u.score.points, tr.en),
                    percent: pct(u.score.percent, tr),
                })
                .collect(),
            tr,
            ctx: p.ctx,
        },
    )
}

async fn unit(
    State(state): State<WebState>,
    p: Page,
    Path(id): Path<Uuid>,
    Query(f): Query<PeriodForm>,
) -> Response {
    let Some((actor, _)) = staff_tenant(&p) else {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    };
    let d: UnitDetail = match period_of(&state, &f) {
        Ok(period) => match state.app.monitoring_unit(&actor, id, period).await {
            Ok(d) => d,
            Err(e) => return error_page(p, e),
        },
        Err(e) => return error_page(p, e),
    };
    let tr = p.tr;
    let (total, percent) = total_and_percent(&d.unit.score, tr);
    render(
        StatusCode::OK,
        UnitPage {
            name: d.unit.name.clone(),
            code: d.unit.code.clone(),
            from: d.period.from.to_string(),
            to: d.period.to.to_string(),
            query: query_of(d.period),
            kpis: kpis(&d.unit.figures, tr),
            total,
            percent,
            criteria: criteria_rows(&d.unit.score, tr),
            groups_svg: groups_svg(&d.unit.score, tr, "chart-unit"),
            procedures: d
                .procedures
                .iter()
                .map(|pf| {
                    (
                        pf.code.clone(),
                        pf.name.clone(),
                        pf.figures.received,
                        pct(
                            pf.figures.rate(sen_domain::monitoring::Metric::OnTimeRate),
                            tr,
                        ),
                        pf.figures.finished_late,
                        pf.figures.overdue_now,
                    )
                })
                .collect(),
            late: d
                .late
                .iter()
                .map(|l| LateView {
                    id: l.dossier.id,
                    code: l.dossier.code.clone(),
                    procedure: l.procedure_code.clone(),
                    kind: tr
                        .s(if l.dossier.kind == "late" {
                            "mon_kind_late"
                        } else {
                            "mon_kind_overdue"
                        })
                        .to_string(),
                    due: l
                        .dossier
                        .due_at
                        .clone()
                        .unwrap_or_default()
                        .replace('T', " "),
                    completed: l
                        .dossier
                        .completed_at
                        .as_deref()
                        .and_then(|c| c.get(..10))
                        .unwrap_or("")
                        .to_string(),
                })
                .collect(),
            tr,
            ctx: p.ctx,
        },
    )
}

async fn province_pdf(
    State(state): State<WebState>,
    p: Page,
    Query(f): Query<PeriodForm>,
) -> Response {
    if staff_tenant(&p).is_none() {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    }
    let en = p.tr.en;
    match load(&state, &p, &f)
        .await
        .and_then(|r| sen_app::monitoring::province_pdf(&r, en).map(|b| (r, b)))
    {
        Ok((r, bytes)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"chi-so-766-{}-{}.pdf\"",
                        r.period.from, r.period.to
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error_page(p, e),
    }
}

async fn province_xlsx(
    State(state): State<WebState>,
    p: Page,
    Query(f): Query<PeriodForm>,
) -> Response {
    if staff_tenant(&p).is_none() {
        return Redirect::to("/can-bo/dang-nhap").into_response();
    }
    let tr = p.tr;
    match load(&state, &p, &f).await.and_then(|r| {
        xlsx(&r, tr)
            .map(|b| (r, b))
            .map_err(|e| AppError::Internal(format!("xlsx: {e}")))
    }) {
        Ok((r, bytes)) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"chi-so-766-{}-{}.xlsx\"",
                        r.period.from, r.period.to
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error_page(p, e),
    }
}

/// The report as a workbook: the index, the ranking, the months. Rates are
/// numbers (percent), not text, so that they can be computed with.
pub(crate) fn xlsx(r: &ProvinceReport, tr: Tr) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let s = |k: &str| tr.s(k).to_string();
    let name = |vi: &str, en: &str| {
        if tr.en {
            en.to_string()
        } else {
            vi.to_string()
        }
    };

    let ws = wb.add_worksheet();
    ws.set_name(tr.s("mon_index"))?;
    ws.write_string_with_format(0, 0, name(&r.index_name_vi, &r.index_name_en), &bold)?;
    ws.write_string(
        1,
        0,
        format!(
            "{} {} – {} ({})",
            r.province, r.period.from, r.period.to, r.index_basis
        ),
    )?;
    for (c, h) in [
        "mon_criterion",
        "mon_target",
        "mon_rate",
        "mon_points",
        "mon_max",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(3, c as u16, s(h), &bold)?;
    }
    let mut row = 4;
    for g in &r.score.groups {
        ws.write_string_with_format(row, 0, name(&g.name_vi, &g.name_en), &bold)?;
        if g.has_data() {
            ws.write_number(row, 3, g.points)?;
        } else {
            ws.write_string(row, 3, s("mon_no_data"))?;
        }
        ws.write_number(row, 4, g.max)?;
        row += 1;
        for c in &g.criteria {
            ws.write_string(row, 0, name(&c.name_vi, &c.name_en))?;
            ws.write_number(row, 1, c.target)?;
            match (c.rate, c.points) {
                (Some(rate), Some(points)) => {
                    ws.write_number(row, 2, rate)?;
                    ws.write_number(row, 3, points)?;
                }
                _ => {
                    ws.write_string(row, 2, s("mon_no_data"))?;
                    ws.write_string(row, 3, s("mon_no_data"))?;
                }
            }
            ws.write_number(row, 4, c.max)?;
            row += 1;
        }
    }
    ws.write_string_with_format(row, 0, s("mon_total"), &bold)?;
    ws.write_number(row, 3, r.score.points)?;
    ws.write_number(row, 4, r.score.max)?;
    ws.set_column_width(0, 70)?;

    let ws = wb.add_worksheet();
    ws.set_name(tr.s("mon_ranking"))?;
    let heads = [
        "mon_rank",
        "code",
        "mon_unit",
        "mon_received",
        "mon_received_online",
        "mon_finished",
        "mon_on_time",
        "mon_late",
        "mon_open",
        "mon_overdue",
        "mon_avg_days",
        "mon_rated",
        "mon_avg_rating",
        "mon_points",
        "mon_percent",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, s(h), &bold)?;
    }
    for (i, u) in r.units.iter().enumerate() {
        let row = i as u32 + 1;
        let f = &u.figures;
        if let Some(rank) = u.rank {
            ws.write_number(row, 0, rank as f64)?;
        }
        ws.write_string(row, 1, &u.code)?;
        ws.write_string(row, 2, &u.name)?;
        for (c, v) in [
            f.received,
            f.received_online,
            f.finished(),
            f.finished_early + f.finished_on_time,
            f.finished_late,
            f.open(),
            f.overdue_now,
        ]
        .iter()
        .enumerate()
        {
            ws.write_number(row, 3 + c as u16, *v as f64)?;
        }
        if let Some(d) = f.average_processing_days() {
            ws.write_number(row, 10, d)?;
        }
        ws.write_number(row, 11, f.rated as f64)?;
        if let Some(a) = f.average_rating() {
            ws.write_number(row, 12, a)?;
        }
        ws.write_number(row, 13, u.score.points)?;
        if let Some(pc) = u.score.percent {
            ws.write_number(row, 14, pc)?;
        }
    }
    ws.set_column_width(2, 45)?;

    let ws = wb.add_worksheet();
    ws.set_name(tr.s("mon_month"))?;
    for (c, h) in [
        "mon_month",
        "mon_received",
        "mon_received_online",
        "mon_on_time",
        "mon_late",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, s(h), &bold)?;
    }
    for (i, m) in r.months.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &m.month)?;
        ws.write_number(row, 1, m.received as f64)?;
        ws.write_number(row, 2, m.received_online as f64)?;
        ws.write_number(row, 3, m.finished_on_time as f64)?;
        ws.write_number(row, 4, m.finished_late as f64)?;
    }
    wb.save_to_buffer()
}
