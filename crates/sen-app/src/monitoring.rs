//! Monitoring for leaders and auditors: the Quyết định 766 index per unit
//! and for the province, on-time / late / overdue figures, processing time,
//! online share and satisfaction over a period, the ranking of units, and
//! the drill-down to a unit's late and overdue dossiers.
//!
//! Period figures come from the counters `sen-store` keeps per procedure
//! version, receiving desk and day (updated with every dossier change), so
//! the cost grows with the number of procedures and days, not dossiers;
//! "open" and "overdue now" come from the partial index of open dossiers.
//! A dossier counts for its lead agency (the procedure's first competent
//! unit), as in the public statistics.

use crate::{Actor, App, AppError};
use chrono::{Datelike, NaiveDate};
use sen_domain::access::Permission;
use sen_domain::monitoring::{self as index, Figures, IndexConfig, Score};
use sen_store::monitoring::{self as store, Counts, LateDossier};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// The built-in index configuration.
pub const DEFAULT_INDEX: &str = include_str!("../config/index766.toml");

/// Parses and validates an index configuration (TOML).
pub fn parse_index(text: &str) -> Result<IndexConfig, AppError> {
    let c: IndexConfig = toml::from_str(text)
        .map_err(|e| AppError::Internal(format!("index configuration: {e}")))?;
    c.validate()?;
    Ok(c)
}

/// A period of Vietnam days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Checks the order and a span of at most ten years.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, AppError> {
        if from > to {
            return Err(sen_domain::Invalid::new(
                "from",
                "Ngày bắt đầu phải trước ngày kết thúc",
                "the start date must come before the end date",
            )
            .into());
        }
        if (to - from).num_days() > 3660 {
            return Err(sen_domain::Invalid::new(
                "from",
                "Khoảng thời gian tối đa là 10 năm",
                "the period is at most ten years",
            )
            .into());
        }
        Ok(Period { from, to })
    }
}

/// One unit in the report.
#[derive(Debug, Clone, Serialize)]
pub struct UnitReport {
    pub unit_id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub rank: Option<usize>,
    pub figures: Figures,
    pub score: Score,
}

/// A month of the province's activity (for the charts).
#[derive(Debug, Clone, Serialize)]
pub struct MonthFigures {
    pub month: String,
    pub received: i64,
    pub received_online: i64,
    pub finished_on_time: i64,
    pub finished_late: i64,
}

/// The province dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceReport {
    pub tenant_id: Uuid,
    pub province: String,
    pub period: Period,
    pub index_name_vi: String,
    pub index_name_en: String,
    pub index_basis: String,
    /// Local time the figures were computed (`YYYY-MM-DDTHH:MM`).
    pub computed_at: String,
    pub figures: Figures,
    pub score: Score,
    /// Ranked, best first.
    pub units: Vec<UnitReport>,
    pub months: Vec<MonthFigures>,
}

/// One procedure of a unit.
#[derive(Debug, Clone, Serialize)]
pub struct ProcedureFigures {
    pub code: String,
    pub name: String,
    pub online_level: String,
    pub figures: Figures,
}

/// A late or overdue dossier with its procedure's code.
#[derive(Debug, Clone, Serialize)]
pub struct LateRow {
    #[serde(flatten)]
    pub dossier: LateDossier,
    pub procedure_code: String,
}

/// A unit's page: its index, its procedures and its late dossiers.
#[derive(Debug, Clone, Serialize)]
pub struct UnitDetail {
    pub period: Period,
    pub computed_at: String,
    pub unit: UnitReport,
    pub procedures: Vec<ProcedureFigures>,
    pub late: Vec<LateRow>,
}

/// What the dashboards know of a procedure version.
struct Version {
    code: String,
    name: String,
    lead: String,
    online: bool,
    active: bool,
    electronic: bool,
}

#[derive(Deserialize)]
struct SpecPart {
    competent_units: Vec<String>,
    #[serde(default)]
    digitised_result: bool,
}

fn add_counts(f: &mut Figures, c: &Counts, v: &Version) {
    f.submitted += c.submitted;
    f.submitted_online += c.submitted_online;
    f.received += c.received;
    f.received_online += c.received_online;
    if v.online {
        f.received_online_procedures += c.received;
    }
    f.finished_early += c.finished_early;
    f.finished_on_time += c.finished_on_time;
    f.finished_late += c.finished_late;
    f.processing_seconds += c.processing_seconds;
    if v.electronic {
        f.finished_electronic += c.finished();
    }
    f.withdrawn += c.withdrawn;
    f.rejected_at_intake += c.rejected_at_intake;
    f.returned += c.returned;
    f.rated += c.rated;
    f.rating_sum += c.rating_sum;
    f.satisfied += c.satisfied;
    f.supplement_requests += c.supplement_requests;
}

/// Figures per (lead unit code, procedure code).
type ByProcedure = BTreeMap<(String, String), Figures>;

impl App {
    /// The index configuration: the file named in the settings, else the
    /// built-in one.
    pub fn index_config(&self) -> Result<IndexConfig, AppError> {
        match &self.settings.index_config {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    AppError::Internal(format!("index configuration {}: {e}", p.display()))
                })?;
                parse_index(&text)
            }
            None => parse_index(DEFAULT_INDEX),
        }
    }

    /// This year so far (Vietnam days): the dashboards' default period.
    pub fn default_period(&self) -> Period {
        let today = self.now_local().date();
        Period {
            from: NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
            to: today,
        }
    }

    async fn versions(&self, tenant: Uuid) -> Result<HashMap<Uuid, Version>, AppError> {
        let mut out = HashMap::new();
        for p in store::procedure_versions(&self.db, tenant).await? {
            let spec: SpecPart = serde_json::from_str(&p.definition).map_err(|e| {
                AppError::Internal(format!("procedure {} v{}: {e}", p.code, p.version))
            })?;
            out.insert(
                p.id,
                Version {
                    lead: spec.competent_units.first().cloned().unwrap_or_default(),
                    electronic: spec.digitised_result,
                    online: p.online_level != "none",
                    active: p.status == "active",
                    code: p.code,
                    name: p.name,
                },
            );
        }
        Ok(out)
    }

    /// Figures per (lead unit, procedure code) over `period`, with the open
    /// dossiers now and the catalogue.
    async fn figures_by_procedure(
        &self,
        tenant: Uuid,
        period: Period,
        versions: &HashMap<Uuid, Version>,
    ) -> Result<ByProcedure, AppError> {
        let mut by: ByProcedure = BTreeMap::new();
        let key = |v: &Version| (v.lead.clone(), v.code.clone());
        for row in store::totals(&self.db, tenant, period.from, period.to).await? {
            let Some(v) = versions.get(&row.procedure_id) else {
                continue;
            };
            add_counts(by.entry(key(v)).or_default(), &row.counts, v);
        }
        let today = format!("{}T00:00", self.now_local().date().format("%Y-%m-%d"));
        for (procedure, _unit, open) in store::open_counts(&self.db, tenant, &today).await? {
            let Some(v) = versions.get(&procedure) else {
                continue;
            };
            let f = by.entry(key(v)).or_default();
            f.open_running += open.running;
            f.open_paused += open.paused;
            f.overdue_now += open.overdue;
        }
        // The catalogue: active procedures, offered online, used online.
        let mut active: BTreeSet<(String, String)> = BTreeSet::new();
        let mut online: BTreeSet<(String, String)> = BTreeSet::new();
        for v in versions.values().filter(|v| v.active) {
            active.insert(key(v));
            if v.online {
                online.insert(key(v));
            }
        }
        for k in &active {
            let f = by.entry(k.clone()).or_default();
            f.procedures = 1;
            if online.contains(k) {
                f.procedures_online = 1;
                f.procedures_online_used = i64::from(f.received_online > 0);
            }
        }
        Ok(by)
    }

    async fn province_root(&self, actor: &Actor, tenant: Uuid) -> Result<(String, Uuid), AppError> {
        let t = sen_store::org::tenant(&self.db, tenant)
            .await?
            .ok_or_else(|| AppError::not_found("tenant", tenant))?;
        let root = sen_store::org::unit_by_code(&self.db, tenant, &t.code)
            .await?
            .ok_or_else(|| AppError::not_found("unit", &t.code))?;
        self.require(actor, Permission::ReportRead, root.id).await?;
        Ok((t.name, root.id))
    }

    fn unit_reports(
        &self,
        config: &IndexConfig,
        by: &ByProcedure,
        units: &[sen_store::org::Unit],
    ) -> Vec<UnitReport> {
        let mut per_unit: BTreeMap<&str, Figures> = BTreeMap::new();
        for ((lead, _), f) in by {
            per_unit.entry(lead.as_str()).or_default().add(f);
        }
        let scored: Vec<(&str, Score)> = per_unit
            .iter()
            .map(|(code, f)| (*code, index::score(config, f)))
            .collect();
        index::rank(scored)
            .into_iter()
            .map(|r| {
                let u = units.iter().find(|u| u.code == r.key);
                UnitReport {
                    unit_id: u.map(|u| u.id).unwrap_or_default(),
                    code: r.key.to_string(),
                    name: u.map(|u| u.name.clone()).unwrap_or_default(),
                    kind: u.map(|u| u.kind.clone()).unwrap_or_default(),
                    rank: r.rank,
                    figures: per_unit.get(r.key).copied().unwrap_or_default(),
                    score: r.score,
                }
            })
            .collect()
    }

    /// The province dashboard over `period` (ReportRead on the province).
    pub async fn monitoring_province(
        &self,
        actor: &Actor,
        tenant: Uuid,
        period: Period,
    ) -> Result<ProvinceReport, AppError> {
        let (province, _root) = self.province_root(actor, tenant).await?;
        let config = self.index_config()?;
        let versions = self.versions(tenant).await?;
        let by = self.figures_by_procedure(tenant, period, &versions).await?;
        let units = sen_store::org::units(&self.db, tenant, None).await?;
        let mut figures = Figures::default();
        for f in by.values() {
            figures.add(f);
        }
        let months = store::monthly_series(
            &self.db,
            tenant,
            &period.from.format("%Y-%m").to_string(),
            &period.to.format("%Y-%m").to_string(),
        )
        .await?
        .into_iter()
        .map(|(month, c)| MonthFigures {
            month,
            received: c.received,
            received_online: c.received_online,
            finished_on_time: c.finished_early + c.finished_on_time,
            finished_late: c.finished_late,
        })
        .collect();
        Ok(ProvinceReport {
            tenant_id: tenant,
            province,
            period,
            index_name_vi: config.name_vi.clone(),
            index_name_en: config.name_en.clone(),
            index_basis: config.basis.clone(),
            computed_at: self.now_local().format("%Y-%m-%dT%H:%M").to_string(),
            score: index::score(&config, &figures),
            figures,
            units: self.unit_reports(&config, &by, &units),
            months,
        })
    }

    /// One unit's figures, procedures and late or overdue dossiers
    /// (ReportRead on the unit).
    pub async fn monitoring_unit(
        &self,
        actor: &Actor,
        unit_id: Uuid,
        period: Period,
    ) -> Result<UnitDetail, AppError> {
        let unit = sen_store::org::unit(&self.db, unit_id)
            .await?
            .ok_or_else(|| AppError::not_found("unit", unit_id))?;
        self.require(actor, Permission::ReportRead, unit.id).await?;
        let tenant = unit.tenant_id;
        let config = self.index_config()?;
        let versions = self.versions(tenant).await?;
        let by = self.figures_by_procedure(tenant, period, &versions).await?;
        let mine: ByProcedure = by
            .into_iter()
            .filter(|((lead, _), _)| *lead == unit.code)
            .collect();
        let mut figures = Figures::default();
        for f in mine.values() {
            figures.add(f);
        }
        let names: HashMap<&str, (&str, bool)> = versions
            .values()
            .filter(|v| v.lead == unit.code)
            .map(|v| (v.code.as_str(), (v.name.as_str(), v.online)))
            .collect();
        let procedures = mine
            .iter()
            .map(|((_, code), f)| ProcedureFigures {
                code: code.clone(),
                name: names
                    .get(code.as_str())
                    .map(|n| n.0.to_string())
                    .unwrap_or_default(),
                online_level: if names.get(code.as_str()).is_some_and(|n| n.1) {
                    "online".into()
                } else {
                    "none".into()
                },
                figures: *f,
            })
            .collect();
        let ids: Vec<Uuid> = versions
            .iter()
            .filter(|(_, v)| v.lead == unit.code)
            .map(|(id, _)| *id)
            .collect();
        let today = format!("{}T00:00", self.now_local().date().format("%Y-%m-%d"));
        // The period's UTC bounds: Vietnam midnight is 17:00 UTC the day before.
        let utc = |d: NaiveDate| {
            let t = d.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(7);
            t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        };
        let from = utc(period.from);
        let to = utc(period.to.succ_opt().unwrap_or(period.to));
        let code_of: HashMap<Uuid, &str> = versions
            .iter()
            .map(|(id, v)| (*id, v.code.as_str()))
            .collect();
        let late = store::late_dossiers(&self.db, &ids, &today, &from, &to, 200)
            .await?
            .into_iter()
            .map(|d| LateRow {
                procedure_code: code_of.get(&d.procedure_id).unwrap_or(&"").to_string(),
                dossier: d,
            })
            .collect();
        let score = index::score(&config, &figures);
        Ok(UnitDetail {
            period,
            computed_at: self.now_local().format("%Y-%m-%dT%H:%M").to_string(),
            unit: UnitReport {
                unit_id: unit.id,
                code: unit.code,
                name: unit.name,
                kind: unit.kind,
                rank: None,
                figures,
                score,
            },
            procedures,
            late,
        })
    }
}

/// A number with one decimal, Vietnamese style (`12,5`) unless `en`.
pub fn fmt1(x: f64, en: bool) -> String {
    let s = format!("{x:.1}");
    if en {
        s
    } else {
        s.replace('.', ",")
    }
}

fn opt1(x: Option<f64>, en: bool, none: &str) -> String {
    x.map(|v| fmt1(v, en)).unwrap_or_else(|| none.to_string())
}

/// The province report as a landscape PDF (sen-forms' report layout).
pub fn province_pdf(r: &ProvinceReport, en: bool) -> Result<Vec<u8>, AppError> {
    use sen_forms::{Agency, Report, ReportSection};
    let t = |vi: &str, e: &str| if en { e.to_string() } else { vi.to_string() };
    let no_data = t("Chưa có dữ liệu", "No data");
    let f = &r.figures;
    let mut sections = vec![ReportSection {
        heading: t("1. Tình hình giải quyết hồ sơ", "1. Dossiers handled"),
        note: None,
        columns: vec![
            (t("Chỉ tiêu", "Figure"), 6.0, false),
            (t("Giá trị", "Value"), 2.0, true),
        ],
        rows: vec![
            vec![
                t("Hồ sơ tiếp nhận", "Dossiers received"),
                f.received.to_string(),
            ],
            vec![
                t("Trong đó nộp trực tuyến", "of which online"),
                f.received_online.to_string(),
            ],
            vec![t("Đã giải quyết", "Finished"), f.finished().to_string()],
            vec![
                t("Đúng hạn, trước hạn", "Early or on time"),
                (f.finished_early + f.finished_on_time).to_string(),
            ],
            vec![t("Trễ hạn", "Late"), f.finished_late.to_string()],
            vec![
                t("Đang giải quyết (hiện tại)", "Open now"),
                f.open().to_string(),
            ],
            vec![
                t("Quá hạn (hiện tại)", "Overdue now"),
                f.overdue_now.to_string(),
            ],
            vec![
                t(
                    "Thời gian giải quyết trung bình (ngày)",
                    "Average processing time (days)",
                ),
                opt1(f.average_processing_days(), en, &no_data),
            ],
            vec![
                t("Điểm hài lòng trung bình (1–5)", "Average rating (1–5)"),
                opt1(f.average_rating(), en, &no_data),
            ],
        ],
    }];
    let mut rows = Vec::new();
    for g in &r.score.groups {
        rows.push(vec![
            if en {
                g.name_en.clone()
            } else {
                g.name_vi.clone()
            },
            String::new(),
            String::new(),
            if g.has_data() {
                fmt1(g.points, en)
            } else {
                no_data.clone()
            },
            fmt1(g.max, en),
        ]);
        for c in &g.criteria {
            rows.push(vec![
                format!("    {}", if en { &c.name_en } else { &c.name_vi }),
                format!("{}%", fmt1(c.target, en)),
                c.rate
                    .map(|x| format!("{}%", fmt1(x, en)))
                    .unwrap_or_else(|| no_data.clone()),
                opt1(c.points, en, &no_data),
                fmt1(c.max, en),
            ]);
        }
    }
    rows.push(vec![
        t("Tổng", "Total"),
        String::new(),
        r.score
            .percent
            .map(|p| format!("{}%", fmt1(p, en)))
            .unwrap_or_default(),
        fmt1(r.score.points, en),
        fmt1(r.score.max, en),
    ]);
    sections.push(ReportSection {
        heading: t("2. Chỉ số theo nhóm tiêu chí (toàn tỉnh)", "2. Index by group (province)"),
        note: Some(t(
            "Tiêu chí chưa có dữ liệu không tính điểm và không tính vào điểm tối đa; tỷ lệ đạt = điểm ÷ điểm tối đa của các tiêu chí có dữ liệu.",
            "Criteria without data score nothing and are left out of the maximum; percent = points ÷ the maximum of the criteria with data.",
        )),
        columns: vec![
            (t("Nhóm, tiêu chí", "Group, criterion"), 9.0, false),
            (t("Chỉ tiêu", "Target"), 1.5, true),
            (t("Tỷ lệ đạt", "Rate"), 1.8, true),
            (t("Điểm", "Points"), 1.5, true),
            (t("Tối đa", "Max"), 1.2, true),
        ],
        rows,
    });
    sections.push(ReportSection {
        heading: t("3. Xếp hạng đơn vị", "3. Ranking of units"),
        note: None,
        columns: vec![
            (t("Hạng", "Rank"), 1.0, true),
            (t("Đơn vị", "Unit"), 6.0, false),
            (t("Tiếp nhận", "Received"), 1.5, true),
            (t("Đúng hạn", "On time"), 1.5, true),
            (t("Trễ hạn", "Late"), 1.5, true),
            (t("Quá hạn", "Overdue"), 1.5, true),
            (t("Điểm", "Points"), 1.5, true),
            (t("Tỷ lệ đạt", "Percent"), 1.5, true),
        ],
        rows: r
            .units
            .iter()
            .map(|u| {
                vec![
                    u.rank.map(|x| x.to_string()).unwrap_or_else(|| "–".into()),
                    format!("{} ({})", u.name, u.code),
                    u.figures.received.to_string(),
                    (u.figures.finished_early + u.figures.finished_on_time).to_string(),
                    u.figures.finished_late.to_string(),
                    u.figures.overdue_now.to_string(),
                    fmt1(u.score.points, en),
                    u.score
                        .percent
                        .map(|p| format!("{}%", fmt1(p, en)))
                        .unwrap_or_else(|| no_data.clone()),
                ]
            })
            .collect(),
    });
    let report = Report {
        agency: Agency {
            parent: None,
            name: r.province.clone(),
            place: r.province.clone(),
        },
        title: if en {
            r.index_name_en.clone()
        } else {
            r.index_name_vi.clone()
        },
        subtitle: vec![
            format!(
                "{} {} {} {}",
                t("Từ ngày", "From"),
                r.period.from.format("%d/%m/%Y"),
                t("đến ngày", "to"),
                r.period.to.format("%d/%m/%Y")
            ),
            format!(
                "({}; {} {})",
                r.index_basis,
                t("số liệu tính lúc", "computed at"),
                r.computed_at.replace('T', " ")
            ),
        ],
        sections,
    };
    report
        .render()
        .map_err(|e| AppError::Internal(format!("report PDF: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sen_domain::monitoring::Metric;

    #[test]
    fn the_built_in_index_has_the_six_groups_of_decision_766() {
        let c = parse_index(DEFAULT_INDEX).unwrap();
        let groups: Vec<(&str, f64)> = c.groups.iter().map(|g| (g.key.as_str(), g.max)).collect();
        assert_eq!(
            groups,
            [
                ("transparency", 18.0),
                ("progress", 20.0),
                ("online_service", 12.0),
                ("digitisation", 22.0),
                ("online_payment", 10.0),
                ("satisfaction", 18.0)
            ]
        );
        // What Sen cannot measure is marked so, never invented.
        let none = |k: &str| {
            c.groups
                .iter()
                .find(|g| g.key == k)
                .unwrap()
                .criteria
                .iter()
                .all(|c| c.metric == Metric::None)
        };
        assert!(none("online_payment"));
        assert!(none("transparency"));
    }

    #[test]
    fn a_broken_configuration_is_refused() {
        let broken = DEFAULT_INDEX.replacen("max = 18", "max = 19", 1);
        assert!(parse_index(&broken).is_err());
        assert!(parse_index("name_vi = 1").is_err());
        let unknown = DEFAULT_INDEX.replacen("metric = \"on_time_rate\"", "metric = \"guess\"", 1);
        assert!(parse_index(&unknown).is_err());
    }

    #[test]
    fn periods_are_checked() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(Period::new(d("2025-02-01"), d("2025-01-01")).is_err());
        assert!(Period::new(d("2010-01-01"), d("2025-01-01")).is_err());
        assert!(Period::new(d("2025-01-01"), d("2025-01-01")).is_ok());
    }
}
