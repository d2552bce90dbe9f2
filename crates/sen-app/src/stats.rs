//! Public statistics per agency: how many dossiers each received, how many
//! it finished on time or late, and how many are open. Counted from the
//! dossier projections, which the events keep current.

use crate::{App, AppError};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AgencyStats {
    pub code: String,
    pub name: String,
    pub received: i64,
    pub finished: i64,
    pub on_time: i64,
    pub late: i64,
    pub open: i64,
    /// Finished on time ÷ finished, in percent (None before the first result).
    pub on_time_rate: Option<f64>,
}

impl App {
    /// Statistics per lead agency (the first competent unit of each
    /// procedure), ordered by agency code.
    pub async fn agency_statistics(&self, tenant: Uuid) -> Result<Vec<AgencyStats>, AppError> {
        let counts = sen_store::dossiers::counts_by_procedure(&self.db, tenant).await?;
        let units = sen_store::org::units(&self.db, tenant, None).await?;
        let mut by_agency: BTreeMap<String, AgencyStats> = BTreeMap::new();
        for c in counts {
            let p = self.procedure_by_id(c.procedure_id).await?;
            let code = p.spec.competent_units[0].clone();
            let s = by_agency
                .entry(code.clone())
                .or_insert_with(|| AgencyStats {
                    name: units
                        .iter()
                        .find(|u| u.code == code)
                        .map(|u| u.name.clone())
                        .unwrap_or_default(),
                    code,
                    ..Default::default()
                });
            s.received += c.received;
            s.on_time += c.on_time;
            s.late += c.late;
            s.open += c.open;
        }
        Ok(by_agency
            .into_values()
            .map(|mut s| {
                s.finished = s.on_time + s.late;
                s.on_time_rate = (s.finished > 0)
                    .then(|| (s.on_time as f64 * 1000.0 / s.finished as f64).round() / 10.0);
                s
            })
            .collect())
    }
}
