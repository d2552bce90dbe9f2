//! The real-time service index of Quyết định 766/QĐ-TTg (2022): six groups
//! of criteria, 100 points, computed per unit and for the province from
//! counted figures; and the ranking of units.
//!
//! The groups, criteria, maxima and targets are configuration
//! ([`IndexConfig`], read by `sen-app` from TOML), because the per-criterion
//! points are only known from a third-party reconstruction. Each criterion
//! names the [`Metric`] that measures it; a criterion whose data Sen does not
//! have (publication on time, synchronisation with the national portal,
//! online payment, complaints, …) has [`Metric::None`] and is shown as "no
//! data": it scores nothing and is left out of the attainable maximum, never
//! guessed.
//!
//! Scoring: full points when the rate reaches the target, otherwise
//! `rate × max ÷ target`. A rate whose denominator is zero (no finished
//! dossier, no rating, …) is "no data" too.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The index as configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexConfig {
    pub name_vi: String,
    pub name_en: String,
    /// The legal basis shown with the index.
    #[serde(default)]
    pub basis: String,
    #[serde(rename = "group")]
    pub groups: Vec<GroupConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    /// Points of the group; the criteria's maxima add up to it.
    pub max: f64,
    #[serde(rename = "criterion")]
    pub criteria: Vec<CriterionConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionConfig {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub max: f64,
    /// The rate (percent, 0 < target ≤ 100) that earns full points.
    pub target: f64,
    pub metric: Metric,
}

/// What Sen can measure. Every rate is a percentage of counted dossiers or
/// procedures; `None` means Sen has no data for the criterion yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// No data in Sen (yet): shown as such, never scored.
    None,
    /// Finished early or on time ÷ finished.
    OnTimeRate,
    /// (Finished early or on time + open and not overdue) ÷ (finished + open):
    /// "handled on time or still within time ÷ all dossiers".
    WithinTimeRate,
    /// Finished before the due day ÷ finished.
    EarlyRate,
    /// Procedures offered online (full or partial) ÷ procedures.
    OnlineProcedureShare,
    /// Online procedures that received at least one online dossier in the
    /// period ÷ online procedures.
    OnlineProcedureUsage,
    /// Dossiers received online ÷ dossiers received, over the procedures
    /// offered online.
    OnlineDossierShare,
    /// Finished dossiers of procedures whose result is issued electronically
    /// ÷ finished dossiers.
    ElectronicResultShare,
    /// Ratings of 4 or 5 (of 5) ÷ ratings.
    SatisfactionRate,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::None,
        Metric::OnTimeRate,
        Metric::WithinTimeRate,
        Metric::EarlyRate,
        Metric::OnlineProcedureShare,
        Metric::OnlineProcedureUsage,
        Metric::OnlineDossierShare,
        Metric::ElectronicResultShare,
        Metric::SatisfactionRate,
    ];
}

/// Counted figures of one unit (or the province) over a period. Period
/// counts follow the day each thing happened (received on, finished on);
/// `open_*` and `overdue_now` are the state now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Dossiers created (submitted online or entered at the desk).
    pub submitted: i64,
    pub submitted_online: i64,
    /// Dossiers received (the legal clock started).
    pub received: i64,
    pub received_online: i64,
    /// Received, over the procedures offered online.
    pub received_online_procedures: i64,
    pub finished_early: i64,
    pub finished_on_time: i64,
    pub finished_late: i64,
    /// Elapsed seconds from receipt to the end of processing, summed over
    /// the finished dossiers.
    pub processing_seconds: i64,
    /// Finished dossiers of procedures whose result is electronic.
    pub finished_electronic: i64,
    /// Withdrawn by the applicant after receipt.
    pub withdrawn: i64,
    pub rejected_at_intake: i64,
    /// Results handed back to the applicant.
    pub returned: i64,
    pub rated: i64,
    pub rating_sum: i64,
    /// Ratings of 4 or 5.
    pub satisfied: i64,
    pub supplement_requests: i64,
    /// Open now: the clock running.
    pub open_running: i64,
    /// Open now: waiting for the applicant's supplement (clock paused).
    pub open_paused: i64,
    /// Open, running and past their due day now.
    pub overdue_now: i64,
    /// Active procedures (catalogue).
    pub procedures: i64,
    pub procedures_online: i64,
    /// Online procedures with at least one dossier received online in the
    /// period.
    pub procedures_online_used: i64,
}

fn pct(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 * 100.0 / den as f64)
}

impl Figures {
    pub fn finished(&self) -> i64 {
        self.finished_early + self.finished_on_time + self.finished_late
    }

    pub fn open(&self) -> i64 {
        self.open_running + self.open_paused
    }

    /// Adds `o` field by field (a province is the sum of its units).
    pub fn add(&mut self, o: &Figures) {
        self.submitted += o.submitted;
        self.submitted_online += o.submitted_online;
        self.received += o.received;
        self.received_online += o.received_online;
        self.received_online_procedures += o.received_online_procedures;
        self.finished_early += o.finished_early;
        self.finished_on_time += o.finished_on_time;
        self.finished_late += o.finished_late;
        self.processing_seconds += o.processing_seconds;
        self.finished_electronic += o.finished_electronic;
        self.withdrawn += o.withdrawn;
        self.rejected_at_intake += o.rejected_at_intake;
        self.returned += o.returned;
        self.rated += o.rated;
        self.rating_sum += o.rating_sum;
        self.satisfied += o.satisfied;
        self.supplement_requests += o.supplement_requests;
        self.open_running += o.open_running;
        self.open_paused += o.open_paused;
        self.overdue_now += o.overdue_now;
        self.procedures += o.procedures;
        self.procedures_online += o.procedures_online;
        self.procedures_online_used += o.procedures_online_used;
    }

    /// The rate (percent) a metric measures, or `None` without data.
    pub fn rate(&self, m: Metric) -> Option<f64> {
        let finished = self.finished();
        match m {
            Metric::None => None,
            Metric::OnTimeRate => pct(self.finished_early + self.finished_on_time, finished),
            Metric::WithinTimeRate => pct(
                self.finished_early + self.finished_on_time + self.open() - self.overdue_now,
                finished + self.open(),
            ),
            Metric::EarlyRate => pct(self.finished_early, finished),
            Metric::OnlineProcedureShare => pct(self.procedures_online, self.procedures),
            Metric::OnlineProcedureUsage => {
                pct(self.procedures_online_used, self.procedures_online)
            }
            Metric::OnlineDossierShare => {
                pct(self.received_online, self.received_online_procedures)
            }
            Metric::ElectronicResultShare => pct(self.finished_electronic, finished),
            Metric::SatisfactionRate => pct(self.satisfied, self.rated),
        }
    }

    /// Late (finished late + overdue now) ÷ (finished + open), percent.
    pub fn late_rate(&self) -> Option<f64> {
        pct(
            self.finished_late + self.overdue_now,
            self.finished() + self.open(),
        )
    }

    /// Average days from receipt to the end of processing (elapsed, not
    /// working days).
    pub fn average_processing_days(&self) -> Option<f64> {
        let f = self.finished();
        (f > 0).then(|| self.processing_seconds as f64 / f as f64 / 86_400.0)
    }

    /// Average rating (1–5).
    pub fn average_rating(&self) -> Option<f64> {
        (self.rated > 0).then(|| self.rating_sum as f64 / self.rated as f64)
    }

    /// Received online ÷ received, percent.
    pub fn online_share(&self) -> Option<f64> {
        pct(self.received_online, self.received)
    }
}

/// Points for a rate: full at or above the target, else proportional.
pub fn criterion_points(rate: f64, target: f64, max: f64) -> f64 {
    if target <= 0.0 || rate >= target {
        max
    } else {
        (rate.max(0.0) * max / target).min(max)
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn bad(vi: String, en: String) -> Invalid {
    Invalid::new("index", vi, en)
}

impl IndexConfig {
    /// Checks the configuration: unique keys, positive maxima whose criteria
    /// add up to their group and groups to 100, targets in (0, 100].
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.groups.is_empty() {
            return Err(bad(
                "Chỉ số phải có ít nhất một nhóm tiêu chí".into(),
                "the index needs at least one group".into(),
            ));
        }
        let mut keys = BTreeSet::new();
        let mut total = 0.0;
        for g in &self.groups {
            if g.key.trim().is_empty() || !keys.insert(g.key.clone()) {
                return Err(bad(
                    format!("Mã nhóm «{}» trống hoặc trùng", g.key),
                    format!("group key «{}» is empty or repeated", g.key),
                ));
            }
            if !(g.max > 0.0) || g.criteria.is_empty() {
                return Err(bad(
                    format!(
                        "Nhóm «{}» phải có điểm tối đa dương và ít nhất một tiêu chí",
                        g.key
                    ),
                    format!(
                        "group «{}» needs a positive maximum and at least one criterion",
                        g.key
                    ),
                ));
            }
            let mut sum = 0.0;
            for c in &g.criteria {
                if c.key.trim().is_empty() || !keys.insert(format!("{}.{}", g.key, c.key)) {
                    return Err(bad(
                        format!(
                            "Mã tiêu chí «{}» trống hoặc trùng trong nhóm «{}»",
                            c.key, g.key
                        ),
                        format!(
                            "criterion key «{}» is empty or repeated in group «{}»",
                            c.key, g.key
                        ),
                    ));
                }
                if !(c.max > 0.0) {
                    return Err(bad(
                        format!("Tiêu chí «{}» phải có điểm tối đa dương", c.key),
                        format!("criterion «{}» needs a positive maximum", c.key),
                    ));
                }
                if !(c.target > 0.0 && c.target <= 100.0) {
                    return Err(bad(
                        format!(
                            "Chỉ tiêu của tiêu chí «{}» phải lớn hơn 0 và không quá 100%",
                            c.key
                        ),
                        format!(
                            "the target of criterion «{}» must be above 0 and at most 100%",
                            c.key
                        ),
                    ));
                }
                sum += c.max;
            }
            if !close(sum, g.max) {
                return Err(bad(
                    format!(
                        "Tổng điểm các tiêu chí của nhóm «{}» là {sum}, không bằng {}",
                        g.key, g.max
                    ),
                    format!(
                        "the criteria of group «{}» add up to {sum}, not {}",
                        g.key, g.max
                    ),
                ));
            }
            total += g.max;
        }
        if !close(total, 100.0) {
            return Err(bad(
                format!("Tổng điểm các nhóm là {total}, không phải 100"),
                format!("the groups add up to {total}, not 100"),
            ));
        }
        Ok(())
    }

    pub fn max(&self) -> f64 {
        self.groups.iter().map(|g| g.max).sum()
    }
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionScore {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub metric: Metric,
    pub max: f64,
    pub target: f64,
    /// The measured rate (percent), `None` for "no data".
    pub rate: Option<f64>,
    /// Points earned, `None` for "no data".
    pub points: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupScore {
    pub key: String,
    pub name_vi: String,
    pub name_en: String,
    pub max: f64,
    /// Points earned on the criteria with data.
    pub points: f64,
    /// The maximum of the criteria with data.
    pub max_with_data: f64,
    pub criteria: Vec<CriterionScore>,
}

impl GroupScore {
    pub fn has_data(&self) -> bool {
        self.max_with_data > 0.0
    }
}

/// The index of one unit or the province.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub groups: Vec<GroupScore>,
    pub points: f64,
    pub max: f64,
    pub max_with_data: f64,
    /// Points ÷ the maximum with data, percent; `None` without any data.
    pub percent: Option<f64>,
}

/// Scores `f` against the configuration.
pub fn score(config: &IndexConfig, f: &Figures) -> Score {
    let groups: Vec<GroupScore> = config
        .groups
        .iter()
        .map(|g| {
            let criteria: Vec<CriterionScore> = g
                .criteria
                .iter()
                .map(|c| {
                    let rate = f.rate(c.metric);
                    CriterionScore {
                        key: c.key.clone(),
                        name_vi: c.name_vi.clone(),
                        name_en: c.name_en.clone(),
                        metric: c.metric,
                        max: c.max,
                        target: c.target,
                        rate,
                        points: rate.map(|r| criterion_points(r, c.target, c.max)),
                    }
                })
                .collect();
            GroupScore {
                key: g.key.clone(),
                name_vi: g.name_vi.clone(),
                name_en: g.name_en.clone(),
                max: g.max,
                points: criteria.iter().filter_map(|c| c.points).sum(),
                max_with_data: criteria
                    .iter()
                    .filter(|c| c.points.is_some())
                    .map(|c| c.max)
                    .sum(),
                criteria,
            }
        })
        .collect();
    let points: f64 = groups.iter().map(|g| g.points).sum();
    let max_with_data: f64 = groups.iter().map(|g| g.max_with_data).sum();
    Score {
        points,
        max: config.max(),
        max_with_data,
        percent: (max_with_data > 0.0).then(|| points * 100.0 / max_with_data),
        groups,
    }
}

/// A unit's place in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked<K> {
    /// 1-based; equal percentages share a rank (1, 2, 2, 4); units without
    /// data have none and come last.
    pub rank: Option<usize>,
    pub key: K,
    pub score: Score,
}

/// Ranks units by the share of the attainable points they earned (so that
/// criteria without data for a unit neither help nor hurt it), then by
/// points; ties share a rank. Units without any data come last, unranked,
/// in the order given.
pub fn rank<K>(units: Vec<(K, Score)>) -> Vec<Ranked<K>> {
    let (mut with, without): (Vec<_>, Vec<_>) =
        units.into_iter().partition(|(_, s)| s.percent.is_some());
    let key = |s: &Score| (s.percent.unwrap_or(0.0), s.points);
    // Stable: equal units keep the order given.
    with.sort_by(|(_, a), (_, b)| {
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut out: Vec<Ranked<K>> = Vec::with_capacity(with.len() + without.len());
    let mut prev: Option<(f64, f64)> = None;
    let mut rank = 0;
    for (i, (k, s)) in with.into_iter().enumerate() {
        let this = key(&s);
        let same = prev.is_some_and(|p| close(p.0, this.0) && close(p.1, this.1));
        if !same {
            rank = i + 1;
        }
        prev = Some(this);
        out.push(Ranked {
            rank: Some(rank),
            key: k,
            score: s,
        });
    }
    out.extend(without.into_iter().map(|(k, s)| Ranked {
        rank: None,
        key: k,
        score: s,
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crit(key: &str, max: f64, target: f64, metric: Metric) -> CriterionConfig {
        CriterionConfig {
            key: key.into(),
            name_vi: key.into(),
            name_en: key.into(),
            max,
            target,
            metric,
        }
    }

    fn group(key: &str, criteria: Vec<CriterionConfig>) -> GroupConfig {
        GroupConfig {
            key: key.into(),
            name_vi: key.into(),
            name_en: key.into(),
            max: criteria.iter().map(|c| c.max).sum(),
            criteria,
        }
    }

    /// The six groups with the points of Quyết định 766.
    fn config() -> IndexConfig {
        IndexConfig {
            name_vi: "Bộ chỉ số".into(),
            name_en: "Index".into(),
            basis: String::new(),
            groups: vec![
                group(
                    "transparency",
                    vec![
                        crit("published", 10.0, 100.0, Metric::None),
                        crit("synced", 8.0, 100.0, Metric::None),
                    ],
                ),
                group(
                    "progress",
                    vec![
                        crit("on_time", 10.0, 100.0, Metric::OnTimeRate),
                        crit("within_time", 6.0, 100.0, Metric::WithinTimeRate),
                        crit("early", 4.0, 50.0, Metric::EarlyRate),
                    ],
                ),
                group(
                    "online",
                    vec![
                        crit("offered", 4.0, 80.0, Metric::OnlineProcedureShare),
                        crit("used", 4.0, 100.0, Metric::OnlineProcedureUsage),
                        crit("dossiers", 4.0, 50.0, Metric::OnlineDossierShare),
                    ],
                ),
                group(
                    "digitisation",
                    vec![
                        crit("electronic", 12.0, 100.0, Metric::ElectronicResultShare),
                        crit("digitised", 10.0, 100.0, Metric::None),
                    ],
                ),
                group("payment", vec![crit("paid", 10.0, 100.0, Metric::None)]),
                group(
                    "satisfaction",
                    vec![
                        crit("satisfied", 12.0, 95.0, Metric::SatisfactionRate),
                        crit("feedback", 6.0, 100.0, Metric::None),
                    ],
                ),
            ],
        }
    }

    #[test]
    fn the_example_configuration_is_valid_and_adds_up_to_100() {
        let c = config();
        c.validate().unwrap();
        assert_eq!(c.max(), 100.0);
        let maxima: Vec<f64> = c.groups.iter().map(|g| g.max).collect();
        assert_eq!(maxima, [18.0, 20.0, 12.0, 22.0, 10.0, 18.0]);
    }

    #[test]
    fn points_are_full_at_the_target_and_proportional_below() {
        assert_eq!(criterion_points(100.0, 100.0, 10.0), 10.0);
        assert_eq!(criterion_points(120.0, 100.0, 10.0), 10.0);
        assert_eq!(criterion_points(80.0, 80.0, 4.0), 4.0);
        assert_eq!(criterion_points(90.0, 80.0, 4.0), 4.0);
        assert!(close(criterion_points(40.0, 80.0, 4.0), 2.0));
        assert!(close(criterion_points(50.0, 100.0, 12.0), 6.0));
        assert_eq!(criterion_points(0.0, 100.0, 12.0), 0.0);
        assert_eq!(criterion_points(-5.0, 100.0, 12.0), 0.0);
    }

    #[test]
    fn rates_need_a_denominator() {
        let f = Figures::default();
        for m in Metric::ALL {
            assert_eq!(f.rate(m), None, "{m:?}");
        }
        assert_eq!(f.late_rate(), None);
        assert_eq!(f.average_processing_days(), None);
        assert_eq!(f.average_rating(), None);
        assert_eq!(f.online_share(), None);
    }

    fn sample() -> Figures {
        Figures {
            received: 200,
            received_online: 60,
            received_online_procedures: 150,
            finished_early: 40,
            finished_on_time: 110,
            finished_late: 50,
            processing_seconds: 200 * 86_400 * 3,
            finished_electronic: 100,
            rated: 40,
            rating_sum: 160,
            satisfied: 30,
            open_running: 30,
            open_paused: 10,
            overdue_now: 8,
            procedures: 10,
            procedures_online: 6,
            procedures_online_used: 3,
            ..Default::default()
        }
    }

    #[test]
    fn each_metric_counts_what_it_says() {
        let f = sample();
        assert_eq!(f.finished(), 200);
        assert_eq!(f.open(), 40);
        assert_eq!(f.rate(Metric::OnTimeRate), Some(75.0));
        // (150 + 40 − 8) ÷ (200 + 40)
        assert!(close(
            f.rate(Metric::WithinTimeRate).unwrap(),
            182.0 * 100.0 / 240.0
        ));
        assert_eq!(f.rate(Metric::EarlyRate), Some(20.0));
        assert_eq!(f.rate(Metric::OnlineProcedureShare), Some(60.0));
        assert_eq!(f.rate(Metric::OnlineProcedureUsage), Some(50.0));
        assert_eq!(f.rate(Metric::OnlineDossierShare), Some(40.0));
        assert_eq!(f.rate(Metric::ElectronicResultShare), Some(50.0));
        assert_eq!(f.rate(Metric::SatisfactionRate), Some(75.0));
        assert_eq!(f.rate(Metric::None), None);
        assert!(close(f.late_rate().unwrap(), 58.0 * 100.0 / 240.0));
        assert!(close(f.average_processing_days().unwrap(), 3.0));
        assert_eq!(f.average_rating(), Some(4.0));
        assert_eq!(f.online_share(), Some(30.0));
    }

    #[test]
    fn a_score_leaves_criteria_without_data_out() {
        let s = score(&config(), &sample());
        let g = |k: &str| s.groups.iter().find(|g| g.key == k).unwrap();
        // Transparency and payment: no data at all.
        for k in ["transparency", "payment"] {
            assert_eq!(g(k).points, 0.0);
            assert_eq!(g(k).max_with_data, 0.0);
            assert!(!g(k).has_data());
            assert!(g(k)
                .criteria
                .iter()
                .all(|c| c.points.is_none() && c.rate.is_none()));
        }
        // Progress: 75% of 10, 182/240 of 6, early 20% against a 50% target: 4 × 20 ÷ 50.
        let p = g("progress");
        assert!(close(p.points, 7.5 + 6.0 * 182.0 / 240.0 + 1.6));
        assert_eq!(p.max_with_data, 20.0);
        // Online: 60 ÷ 80 × 4 = 3; 50% of 4 = 2; 40 ÷ 50 × 4 = 3.2.
        assert!(close(g("online").points, 3.0 + 2.0 + 3.2));
        // Digitisation: 50% of 12; digitised: no data.
        assert!(close(g("digitisation").points, 6.0));
        assert_eq!(g("digitisation").max_with_data, 12.0);
        // Satisfaction: 75 ÷ 95 × 12.
        assert!(close(g("satisfaction").points, 75.0 * 12.0 / 95.0));
        assert_eq!(g("satisfaction").max_with_data, 12.0);
        assert_eq!(s.max, 100.0);
        assert_eq!(s.max_with_data, 20.0 + 12.0 + 12.0 + 12.0);
        let total: f64 = s.groups.iter().map(|g| g.points).sum();
        assert!(close(s.points, total));
        assert!(close(s.percent.unwrap(), total * 100.0 / 56.0));
    }

    #[test]
    fn a_unit_without_any_dossier_has_no_percent() {
        let s = score(&config(), &Figures::default());
        assert_eq!(s.points, 0.0);
        assert_eq!(s.max_with_data, 0.0);
        assert_eq!(s.percent, None);
    }

    #[test]
    fn a_perfect_unit_earns_every_point_with_data() {
        let f = Figures {
            received: 10,
            received_online: 10,
            received_online_procedures: 10,
            finished_early: 10,
            finished_electronic: 10,
            rated: 10,
            rating_sum: 50,
            satisfied: 10,
            procedures: 2,
            procedures_online: 2,
            procedures_online_used: 2,
            ..Default::default()
        };
        let s = score(&config(), &f);
        assert!(close(s.points, s.max_with_data));
        assert_eq!(s.percent, Some(100.0));
    }

    #[test]
    fn province_figures_are_the_sum_of_the_units() {
        let mut p = Figures::default();
        p.add(&sample());
        p.add(&sample());
        assert_eq!(p.received, 400);
        assert_eq!(p.overdue_now, 16);
        assert_eq!(p.procedures_online_used, 6);
        // Rates stay the same for two identical units.
        assert_eq!(
            p.rate(Metric::OnTimeRate),
            sample().rate(Metric::OnTimeRate)
        );
        let every = Figures {
            submitted: 1,
            submitted_online: 2,
            received: 3,
            received_online: 4,
            received_online_procedures: 5,
            finished_early: 6,
            finished_on_time: 7,
            finished_late: 8,
            processing_seconds: 9,
            finished_electronic: 10,
            withdrawn: 11,
            rejected_at_intake: 12,
            returned: 13,
            rated: 14,
            rating_sum: 15,
            satisfied: 16,
            supplement_requests: 17,
            open_running: 18,
            open_paused: 19,
            overdue_now: 20,
            procedures: 21,
            procedures_online: 22,
            procedures_online_used: 23,
        };
        let mut twice = every;
        twice.add(&every);
        // Every field was added (serialised, each value doubled).
        let a = serde_json::to_value(every).unwrap();
        let b = serde_json::to_value(twice).unwrap();
        for (k, v) in a.as_object().unwrap() {
            assert_eq!(b[k].as_i64().unwrap(), 2 * v.as_i64().unwrap(), "{k}");
        }
    }

    #[test]
    fn validation_refuses_what_does_not_add_up() {
        let mut c = config();
        c.groups[0].criteria[0].max = 11.0;
        assert!(c.validate().is_err(), "criteria ≠ group");
        let mut c = config();
        c.groups[0].max = 19.0;
        c.groups[0].criteria[0].max = 11.0;
        assert!(c.validate().is_err(), "groups ≠ 100");
        let mut c = config();
        c.groups[1].criteria[0].target = 0.0;
        assert!(c.validate().is_err(), "target 0");
        let mut c = config();
        c.groups[1].criteria[0].target = 101.0;
        assert!(c.validate().is_err(), "target above 100");
        let mut c = config();
        c.groups[1].key = "transparency".into();
        assert!(c.validate().is_err(), "repeated group");
        let mut c = config();
        c.groups[1].criteria[1].key = "on_time".into();
        assert!(c.validate().is_err(), "repeated criterion");
        let mut c = config();
        c.groups[4].criteria[0].max = 0.0;
        c.groups[4].max = 0.0;
        assert!(c.validate().is_err(), "zero maximum");
        let mut c = config();
        c.groups.clear();
        assert!(c.validate().is_err(), "empty");
        let mut c = config();
        c.groups[5].criteria.clear();
        assert!(c.validate().is_err(), "group without criteria");
    }

    fn s(percent: Option<f64>, points: f64) -> Score {
        Score {
            groups: Vec::new(),
            points,
            max: 100.0,
            max_with_data: if percent.is_some() { 50.0 } else { 0.0 },
            percent,
        }
    }

    #[test]
    fn ranking_orders_by_percent_then_points_with_shared_ranks() {
        let r = rank(vec![
            ("a", s(Some(70.0), 35.0)),
            ("none", s(None, 0.0)),
            ("b", s(Some(90.0), 45.0)),
            ("c", s(Some(70.0), 35.0)),
            ("d", s(Some(70.0), 30.0)),
            ("e", s(Some(95.0), 19.0)),
        ]);
        let got: Vec<(Option<usize>, &str)> = r.iter().map(|x| (x.rank, x.key)).collect();
        assert_eq!(
            got,
            [
                (Some(1), "e"),
                (Some(2), "b"),
                (Some(3), "a"),
                (Some(3), "c"),
                (Some(5), "d"),
                (None, "none"),
            ]
        );
        assert!(rank::<u8>(Vec::new()).is_empty());
    }

    #[test]
    fn metrics_parse_from_their_snake_case_names() {
        for m in Metric::ALL {
            let name = serde_json::to_value(m).unwrap();
            let back: Metric = serde_json::from_value(name).unwrap();
            assert_eq!(back, m);
        }
        assert!(serde_json::from_str::<Metric>("\"invented\"").is_err());
    }
}
