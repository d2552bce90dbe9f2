//! Files attached to a dossier: uploaded by the applicant with an online
//! submission or a supplement, or scanned at the counter by the desk.

use crate::{Actor, App, AppError};
use sen_domain::audit::NewEvent;
use sen_domain::files;
use sen_store::attachments::{self as store, Attachment};
use sen_store::{fmt_time, new_id};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Statuses in which the applicant may still add files.
const APPLICANT_MAY_ADD: &[&str] = &["submitted", "incomplete_at_intake", "waiting_supplement"];

impl App {
    /// Attaches files to a dossier, all or nothing. Each is checked by its
    /// content (PDF, PNG, JPEG; at most 10 MB); its SHA-256 goes into the
    /// event, so the file can be proved unchanged later.
    pub async fn attach(
        &self,
        actor: &Actor,
        dossier: Uuid,
        uploads: Vec<(String, Vec<u8>)>,
    ) -> Result<Vec<Attachment>, AppError> {
        let d = self.dossier(actor, dossier).await?;
        if let Actor::Citizen { .. } = actor {
            if !APPLICANT_MAY_ADD.contains(&d.row.status.as_str()) {
                return Err(AppError::conflict(
                    "Hồ sơ đang được xử lý; chỉ nộp thêm tệp khi được yêu cầu bổ sung",
                    "the dossier is being processed; files can be added only when a supplement is requested",
                ));
            }
        }
        let existing = store::list(&self.db, dossier).await?.len();
        if existing + uploads.len() > files::MAX_FILES_PER_DOSSIER {
            return Err(sen_domain::Invalid::new(
                "file",
                format!("Mỗi hồ sơ có tối đa {} tệp", files::MAX_FILES_PER_DOSSIER),
                format!(
                    "a dossier holds at most {} files",
                    files::MAX_FILES_PER_DOSSIER
                ),
            )
            .into());
        }
        let mut checked = Vec::new();
        for (name, bytes) in uploads {
            let (name, kind) = files::check_upload(&name, &bytes)?;
            let a = Attachment {
                id: new_id(),
                dossier_id: dossier,
                name,
                content_type: kind.to_string(),
                size: bytes.len() as i64,
                sha256: hex::encode(Sha256::digest(&bytes)),
                scan_status: "not_scanned".into(),
                uploaded_by: actor.tag(),
                uploaded_at: fmt_time(self.now()),
            };
            checked.push((a, bytes));
        }
        if checked.is_empty() {
            return Ok(Vec::new());
        }
        let unit = d.row.current_unit_id;
        let checked = std::sync::Arc::new(checked);
        self.db
            .transaction(|tx| {
                let (db, checked) = (self.db.clone(), checked.clone());
                Box::pin(async move {
                    for (a, bytes) in checked.iter() {
                        store::insert(tx, a, bytes).await?;
                        crate::public::record_dossier_event(
                            &db,
                            tx,
                            dossier,
                            NewEvent::new(a.uploaded_by.clone(), "dossier.attachment_added", "dossier", Some(dossier.to_string()))
                                .unit(unit)
                                .payload(json!({"attachment": a.id, "name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256})),
                        )
                        .await?;
                    }
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok(checked.iter().map(|(a, _)| a.clone()).collect())
    }

    /// The applicant answers a request for a supplement online: the files
    /// are checked and attached (all or nothing), then the `supplement`
    /// action resumes the dossier (and its legal clock, if it was paused).
    /// At least one file is needed; the dossier must be waiting for a
    /// supplement (`waiting_supplement`, or `incomplete_at_intake` before
    /// intake).
    pub async fn submit_supplement(
        &self,
        actor: &Actor,
        dossier: Uuid,
        uploads: Vec<(String, Vec<u8>)>,
    ) -> Result<crate::dossiers::Dossier, AppError> {
        let d = self.dossier(actor, dossier).await?;
        if !["waiting_supplement", "incomplete_at_intake"].contains(&d.row.status.as_str()) {
            return Err(AppError::conflict(
                "Hồ sơ không ở trạng thái chờ bổ sung",
                "the dossier is not waiting for a supplement",
            ));
        }
        if uploads.is_empty() {
            return Err(sen_domain::Invalid::new(
                "files",
                "Chọn ít nhất một tệp để bổ sung",
                "choose at least one file to supplement",
            )
            .into());
        }
        for (name, bytes) in &uploads {
            files::check_upload(name, bytes)?;
        }
        self.attach(actor, dossier, uploads).await?;
        self.act(actor, dossier, sen_domain::dossier::Action::Supplement)
            .await
    }

    pub async fn attachments(
        &self,
        actor: &Actor,
        dossier: Uuid,
    ) -> Result<Vec<Attachment>, AppError> {
        self.dossier(actor, dossier).await?;
        Ok(store::list(&self.db, dossier).await?)
    }

    pub async fn attachment(
        &self,
        actor: &Actor,
        dossier: Uuid,
        id: Uuid,
    ) -> Result<(Attachment, Vec<u8>), AppError> {
        self.dossier(actor, dossier).await?;
        store::get(&self.db, dossier, id)
            .await?
            .ok_or_else(|| AppError::not_found("attachment", id))
    }
}
