//! Reading and verifying the event log.

use crate::{Actor, App, AppError};
use sen_domain::access::Permission;
use sen_domain::audit::Event;
use sen_store::events::{self, EventFilter, Verification};

impl App {
    /// Events, for auditors. A citizen or a staff member without the audit
    /// permission gets nothing.
    pub async fn events(
        &self,
        actor: &Actor,
        filter: &EventFilter,
    ) -> Result<Vec<Event>, AppError> {
        match filter.unit_id {
            Some(unit) => self.require(actor, Permission::AuditRead, unit).await?,
            None => self.require_somewhere(actor, Permission::AuditRead)?,
        }
        Ok(events::list(&self.db, filter).await?)
    }

    /// Recomputes the whole chain.
    pub async fn verify_log(&self, actor: &Actor) -> Result<Verification, AppError> {
        self.require_somewhere(actor, Permission::AuditRead)?;
        Ok(events::verify(&self.db).await?)
    }
}
