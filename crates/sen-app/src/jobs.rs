//! Scheduled work: the deadline watch. It runs every minute inside
//! `sen serve` (and on demand with `sen jobs run`).

use crate::dossiers::Projection;
use crate::{App, AppError};
use sen_domain::audit::NewEvent;
use sen_store::dossiers::{self as store};
use sen_store::outbox;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ScanReport {
    /// Dossiers found late for the first time.
    pub overdue: Vec<String>,
    /// Dossiers due today, for which the leader should prepare the apology
    /// and new date (Form 04) unless they are finished in time.
    pub due_today: Vec<String>,
}

/// Statuses in which the legal clock runs.
const RUNNING: &[&str] = &["received", "in_process", "awaiting_approval"];

impl App {
    /// Finds dossiers that are late or due today and have not been flagged
    /// yet; records an event for each and tells the leaders of the unit
    /// holding it, so that they extend with an apology (Form 04) in time.
    pub async fn scan_deadlines(&self) -> Result<ScanReport, AppError> {
        let now = self.now_local();
        let stamp = sen_store::fmt_time(self.now());
        let end_of_today = format!("{}T23:59", now.date().format("%Y-%m-%d"));
        let start_of_today = format!("{}T00:00", now.date().format("%Y-%m-%d"));
        let mut report = ScanReport::default();
        for row in store::overdue(&self.db, &end_of_today, RUNNING).await? {
            let late = row
                .due_at
                .as_deref()
                .is_some_and(|d| d < start_of_today.as_str());
            let mut proj: Projection =
                serde_json::from_str(&row.state).map_err(|e| AppError::Internal(e.to_string()))?;
            // Each warning is raised once per dossier: due today, then late.
            let key = if late { "overdue" } else { "due_today" };
            let already = if late {
                proj.overdue_flagged
            } else {
                proj.due_today_flagged
            };
            if already {
                continue;
            }
            let mut units = vec![row.current_unit_id];
            units.extend(sen_store::org::ancestors_ro(&self.db, row.current_unit_id).await?);
            let leaders = sen_store::accounts::holders(&self.db, "unit_leader", &units).await?;
            if late {
                proj.overdue_flagged = true;
            } else {
                proj.due_today_flagged = true;
            }
            let id = row.id;
            let (db, row2, proj2) = (self.db.clone(), row.clone(), proj.clone());
            let inserted = self
                .db
                .transaction(|tx| {
                    let (db, mut row, proj, leaders, stamp) = (db.clone(), row2.clone(), proj2.clone(), leaders.clone(), stamp.clone());
                    Box::pin(async move {
                        let current = store::by_id_in_tx(&db, tx, id).await?.ok_or_else(|| AppError::not_found("dossier", id))?;
                        if current.state != row.state || current.status != row.status {
                            return Ok::<_, AppError>(false); // changed meanwhile: next pass
                        }
                        row.state = serde_json::to_string(&proj).map_err(|e| AppError::Internal(e.to_string()))?;
                        store::update(tx, &row).await?;
                        let ev = crate::public::record_dossier_event(
                            &db,
                            tx,
                            id,
                            NewEvent::new("system", format!("dossier.{key}"), "dossier", Some(id.to_string()))
                                .unit(row.current_unit_id)
                                .payload(json!({"code": row.code, "due": row.due_at, "leaders": leaders.iter().map(|a| &a.username).collect::<Vec<_>>()})),
                        )
                        .await?;
                        for a in leaders.iter().filter(|a| a.email.is_some()) {
                            let (subject, body) = if late {
                                (
                                    format!("Hồ sơ {} đã quá hạn", row.code),
                                    format!("Hồ sơ {} đã quá hạn giải quyết (hạn {}). Đề nghị lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) và ký gửi người nộp.", row.code, row.due_at.clone().unwrap_or_default()),
                                )
                            } else {
                                (
                                    format!("Hồ sơ {} đến hạn hôm nay", row.code),
                                    format!("Hồ sơ {} đến hạn hôm nay ({}). Nếu không kịp trả kết quả, đề nghị gia hạn kèm Phiếu xin lỗi (Mẫu 04).", row.code, row.due_at.clone().unwrap_or_default()),
                                )
                            };
                            let to = a.email.clone().unwrap_or_default();
                            outbox::enqueue(tx, "email", &to, &subject, &body, &format!("{}:{}", ev.id, a.id), &stamp).await?;
                        }
                        Ok(true)
                    })
                })
                .await?;
            if inserted {
                if late {
                    report.overdue.push(row.code.clone());
                } else {
                    report.due_today.push(row.code.clone());
                }
            }
        }
        Ok(report)
    }
}
