//! The procedure catalogue (thủ tục hành chính): versioned procedures with
//! their components, fees and process. A new version never changes an old
//! one; a dossier keeps the version it was received under.

use crate::{Actor, App, AppError};
use sen_domain::access::Permission;
use sen_domain::audit::NewEvent;
use sen_domain::procedure::{self, ProcessDefinition, Step, WorkTime};
use sen_domain::Invalid;
use sen_store::procedures::{self as store, StoredProcedure};
use sen_store::{events, new_id, now_utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub description: String,
    /// In đồng.
    pub amount_vnd: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub name: String,
    /// Number of originals (bản chính) required.
    #[serde(default)]
    pub originals: u32,
    /// Number of copies (bản sao) required.
    #[serde(default)]
    pub copies: u32,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// A procedure as imported, exported and shown: everything but the version,
/// which Sen assigns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureSpec {
    /// National code, e.g. `1.001234`.
    pub code: String,
    pub name: String,
    /// Lĩnh vực, e.g. "Hộ tịch".
    pub field: String,
    /// Identifier codes of the competent units; the first handles dossiers.
    pub competent_units: Vec<String>,
    /// `full` (toàn trình), `partial` (một phần) or `none`.
    pub online_level: String,
    /// The legal processing time in working days.
    pub processing_days: u32,
    /// Dossiers received after this time (HH:MM) count from the next working day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutoff: Option<String>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    #[serde(default)]
    pub components: Vec<Component>,
    /// Whether the result is produced as a digitised (electronic) copy too.
    #[serde(default)]
    pub digitised_result: bool,
    pub steps: Vec<Step>,
}

/// A stored version.
#[derive(Debug, Clone, Serialize)]
pub struct Procedure {
    pub id: Uuid,
    pub version: u32,
    pub status: String,
    #[serde(flatten)]
    pub spec: ProcedureSpec,
    pub created_at: String,
}

impl Procedure {
    pub fn process(&self) -> ProcessDefinition {
        ProcessDefinition {
            procedure_code: self.spec.code.clone(),
            version: self.version,
            steps: self.spec.steps.clone(),
        }
    }

    pub fn cutoff(&self) -> Option<chrono::NaiveTime> {
        self.spec
            .cutoff
            .as_deref()
            .and_then(|c| chrono::NaiveTime::parse_from_str(c, "%H:%M").ok())
    }
}

fn from_stored(s: StoredProcedure) -> Result<Procedure, AppError> {
    let spec: ProcedureSpec = serde_json::from_str(&s.definition).map_err(|e| {
        AppError::Internal(format!("stored procedure {} v{}: {e}", s.code, s.version))
    })?;
    Ok(Procedure {
        id: s.id,
        version: s.version as u32,
        status: s.status,
        spec,
        created_at: s.created_at,
    })
}

fn bad(field: &'static str, vi: String, en: String) -> AppError {
    Invalid::new(field, vi, en).into()
}

impl App {
    /// Validates a spec against the province's units and the process rules.
    async fn check_spec(
        &self,
        tenant: Uuid,
        spec: &ProcedureSpec,
    ) -> Result<ProcedureSpec, AppError> {
        let mut spec = spec.clone();
        spec.code = procedure::validate_procedure_code(&spec.code)?;
        spec.name = sen_domain::org::validate_name(&spec.name).map_err(|_| {
            bad(
                "name",
                "Tên thủ tục phải có từ 1 đến 300 ký tự".into(),
                "a procedure name has 1 to 300 characters".into(),
            )
        })?;
        spec.field = sen_domain::org::validate_name(&spec.field).map_err(|_| {
            bad(
                "field",
                "Lĩnh vực phải có từ 1 đến 300 ký tự".into(),
                "a field has 1 to 300 characters".into(),
            )
        })?;
        if !matches!(spec.online_level.as_str(), "full" | "partial" | "none") {
            return Err(bad(
                "online_level",
                format!("Mức độ trực tuyến «{}» không hợp lệ: full (toàn trình), partial (một phần) hoặc none", spec.online_level),
                format!("online level «{}» is invalid: full, partial or none", spec.online_level),
            ));
        }
        if spec.processing_days == 0 || spec.processing_days > 365 {
            return Err(bad(
                "processing_days",
                "Thời hạn giải quyết phải từ 1 đến 365 ngày làm việc".into(),
                "the processing time is 1 to 365 working days".into(),
            ));
        }
        if let Some(c) = &spec.cutoff {
            if chrono::NaiveTime::parse_from_str(c, "%H:%M").is_err() {
                return Err(bad(
                    "cutoff",
                    format!("Giờ chốt nhận «{c}» phải có dạng 15:00"),
                    format!("cut-off «{c}» must look like 15:00"),
                ));
            }
        }
        if spec.competent_units.is_empty() {
            return Err(bad(
                "competent_units",
                "Cần ít nhất một cơ quan có thẩm quyền".into(),
                "at least one competent unit is required".into(),
            ));
        }
        let units = sen_store::org::units(&self.db, tenant, None).await?;
        let known = |code: &str| units.iter().any(|u| u.code == code && u.status == "active");
        for code in spec
            .competent_units
            .iter()
            .chain(spec.steps.iter().filter_map(|s| s.unit.as_ref()))
        {
            if !known(code) {
                return Err(AppError::not_found("unit", code));
            }
        }
        for c in &spec.components {
            if c.name.trim().is_empty() || c.name.chars().count() > 500 {
                return Err(bad(
                    "components",
                    "Tên thành phần hồ sơ phải có từ 1 đến 500 ký tự".into(),
                    "a component name has 1 to 500 characters".into(),
                ));
            }
        }
        for f in &spec.fees {
            if f.description.trim().is_empty() {
                return Err(bad(
                    "fees",
                    "Cần mô tả cho từng khoản phí, lệ phí".into(),
                    "each fee needs a description".into(),
                ));
            }
        }
        let process = ProcessDefinition {
            procedure_code: spec.code.clone(),
            version: 1,
            steps: spec.steps.clone(),
        };
        process.validate(WorkTime::Days(spec.processing_days))?;
        Ok(spec)
    }

    /// Publishes a new version of a procedure (version 1 for a new code);
    /// earlier versions are retired. Returns `None` when the spec is
    /// identical to the current version (nothing to publish).
    pub async fn publish_procedure(
        &self,
        actor: &Actor,
        tenant: Uuid,
        spec: ProcedureSpec,
    ) -> Result<Option<Procedure>, AppError> {
        let root = self.root_unit(tenant).await?;
        self.require(actor, Permission::CatalogueManage, root)
            .await?;
        let spec = self.check_spec(tenant, &spec).await?;
        if let Some(cur) = store::by_code(&self.db, tenant, &spec.code).await? {
            if from_stored(cur)?.spec == spec {
                return Ok(None);
            }
        }
        let text = serde_json::to_string(&spec).map_err(|e| AppError::Internal(e.to_string()))?;
        let tag = actor.tag();
        let id = new_id();
        self.db
            .reference_transaction(|tx| {
                let (db, tag, text, spec) =
                    (self.db.clone(), tag.clone(), text.clone(), spec.clone());
                Box::pin(async move {
                    let version = store::latest_version(tx, tenant, &spec.code).await? + 1;
                    store::insert(
                        tx,
                        &StoredProcedure {
                            id,
                            tenant_id: tenant,
                            code: spec.code.clone(),
                            version,
                            name: spec.name.clone(),
                            field: spec.field.clone(),
                            online_level: spec.online_level.clone(),
                            processing_days: spec.processing_days as i64,
                            definition: text,
                            status: "active".into(),
                            created_by: tag.clone(),
                            created_at: now_utc(),
                        },
                    )
                    .await?;
                    store::retire_older(tx, tenant, &spec.code, version).await?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(
                            tag,
                            "procedure.published",
                            "procedure",
                            Some(id.to_string()),
                        )
                        .unit(root)
                        .payload(json!({"code": spec.code, "version": version, "name": spec.name})),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok(Some(self.procedure_by_id(id).await?))
    }

    pub async fn procedure_by_id(&self, id: Uuid) -> Result<Procedure, AppError> {
        from_stored(
            store::by_id(&self.db, id)
                .await?
                .ok_or_else(|| AppError::not_found("procedure", id))?,
        )
    }

    /// The current version of a procedure (public).
    pub async fn procedure(&self, tenant: Uuid, code: &str) -> Result<Procedure, AppError> {
        from_stored(
            store::by_code(&self.db, tenant, code)
                .await?
                .ok_or_else(|| AppError::not_found("procedure", code))?,
        )
    }

    pub async fn procedure_versions(
        &self,
        tenant: Uuid,
        code: &str,
    ) -> Result<Vec<Procedure>, AppError> {
        let v: Vec<Procedure> = store::versions(&self.db, tenant, code)
            .await?
            .into_iter()
            .map(from_stored)
            .collect::<Result<_, _>>()?;
        if v.is_empty() {
            return Err(AppError::not_found("procedure", code));
        }
        Ok(v)
    }

    /// The current catalogue (public); `search` is accent-insensitive.
    pub async fn procedures(
        &self,
        tenant: Uuid,
        search: Option<&str>,
    ) -> Result<Vec<Procedure>, AppError> {
        store::current(&self.db, tenant, search)
            .await?
            .into_iter()
            .map(from_stored)
            .collect()
    }

    /// Imports a whole catalogue: each spec that differs from its current
    /// version is published as a new version. All or nothing: the first
    /// invalid spec stops the import before anything is written.
    pub async fn import_catalogue(
        &self,
        actor: &Actor,
        tenant: Uuid,
        specs: Vec<ProcedureSpec>,
    ) -> Result<ImportReport, AppError> {
        let root = self.root_unit(tenant).await?;
        self.require(actor, Permission::CatalogueManage, root)
            .await?;
        let mut seen = std::collections::HashSet::new();
        for (i, s) in specs.iter().enumerate() {
            self.check_spec(tenant, s).await.map_err(|e| match e {
                AppError::Invalid(inv) => AppError::Invalid(Invalid::new(
                    inv.field,
                    format!("Thủ tục thứ {} ({}): {}", i + 1, s.code, inv.message_vi),
                    format!("procedure #{} ({}): {}", i + 1, s.code, inv.message_en),
                )),
                other => other,
            })?;
            if !seen.insert(s.code.trim().to_string()) {
                return Err(bad(
                    "code",
                    format!("Mã thủ tục {} xuất hiện hai lần trong tệp nhập", s.code),
                    format!("procedure code {} appears twice in the import", s.code),
                ));
            }
        }
        let mut report = ImportReport::default();
        for s in specs {
            match self.publish_procedure(actor, tenant, s).await? {
                Some(p) => report
                    .published
                    .push(format!("{} v{}", p.spec.code, p.version)),
                None => report.unchanged += 1,
            }
        }
        Ok(report)
    }

    /// The flat part of the catalogue as CSV (one procedure a line).
    pub async fn catalogue_csv(&self, tenant: Uuid) -> Result<String, AppError> {
        fn q(s: &str) -> String {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        let mut out = String::from("code,version,name,field,online_level,processing_days,cutoff,competent_units,fees_vnd,components\n");
        for p in self.procedures(tenant, None).await? {
            let s = &p.spec;
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                q(&s.code),
                p.version,
                q(&s.name),
                q(&s.field),
                s.online_level,
                s.processing_days,
                q(s.cutoff.as_deref().unwrap_or("")),
                q(&s.competent_units.join(";")),
                s.fees.iter().map(|f| f.amount_vnd).sum::<u64>(),
                s.components.len()
            ));
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub published: Vec<String>,
    pub unchanged: usize,
}
