//! E-office use cases: registers, incoming documents (register, assign,
//! process, complete), outgoing documents (draft, review, approve, number
//! and issue, dispatch), with permission checks and one event per change.
//!
//! Delivery between units of this Sen happens in the issuing transaction:
//! every internal recipient gets an *arrived* incoming document at once,
//! and its status flows back to the sender's recipient row as the edXML
//! status codes (01 arrived … 06 done).

use crate::{Actor, App, AppError};
use chrono::{Datelike, NaiveDate};
use sen_domain::access::{self, Permission};
use sen_domain::audit::NewEvent;
use sen_domain::office::{
    self as rules, Direction, DocActionKind, DocStatus, DocType, NumberSymbol, RegisterScope,
    Urgency,
};
use sen_domain::org::UnitKind;
use sen_store::office::{self as store, DocumentFile, StoredDocument, Version};
use sen_store::{counters, events, new_id, now_utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub use sen_store::office::{DocumentFile as FileInfo, DocumentFilter, Recipient, Register};
use uuid::Uuid;

/// A new register book.
#[derive(Debug, Clone, Deserialize)]
pub struct NewRegister {
    /// The unit whose clerks keep it.
    pub unit_id: Uuid,
    /// The agency in whose name it numbers; defaults to the keeper's agency.
    #[serde(default)]
    pub issuer_unit_id: Option<Uuid>,
    pub direction: String,
    pub name: String,
    /// Document type codes; empty = every type.
    #[serde(default)]
    pub doc_types: Vec<String>,
}

/// A file handed in with a document.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A paper (or e-mailed) document registered by a clerk.
#[derive(Debug, Clone, Deserialize)]
pub struct NewIncoming {
    pub register_id: Uuid,
    pub doc_type: String,
    /// The number/symbol written by the sender.
    pub original_number: String,
    /// The date on the document.
    pub doc_date: NaiveDate,
    pub sender_name: String,
    pub subject: String,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
}

/// Where an outgoing document goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RecipientSpec {
    /// A unit of this Sen (delivered at issue).
    Unit { unit_id: Uuid },
    /// An agency elsewhere, reached by edXML.
    External { organ_id: String, name: String },
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewDraft {
    /// The drafting unit (the author's own unit or division).
    pub unit_id: Uuid,
    pub doc_type: String,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub recipients: Vec<RecipientSpec>,
    /// The incoming document this one answers.
    #[serde(default)]
    pub responds_to: Option<Uuid>,
    /// The signer's title as printed ("GIÁM ĐỐC"); the approver's name is
    /// printed under it.
    #[serde(default)]
    pub signer_title: Option<String>,
    /// "KT. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN".
    #[serde(default)]
    pub signer_authority: Option<String>,
}

/// One action on a document.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum DocAction {
    Register {
        #[serde(default)]
        register_id: Option<Uuid>,
    },
    Refuse {
        reason: String,
    },
    Assign {
        unit_id: Uuid,
        #[serde(default)]
        account_id: Option<Uuid>,
        #[serde(default)]
        due_date: Option<NaiveDate>,
        #[serde(default)]
        note: Option<String>,
    },
    Opinion {
        text: String,
    },
    Complete {
        #[serde(default)]
        note: Option<String>,
        /// The one-stop dossier this document led to or is about.
        #[serde(default)]
        dossier_code: Option<String>,
        /// Resolved from `dossier_code` by the application.
        #[serde(skip)]
        dossier_id: Option<Uuid>,
    },
    Revise {
        #[serde(default)]
        subject: Option<String>,
        body: String,
        #[serde(default)]
        note: Option<String>,
    },
    Submit {
        to: Uuid,
        #[serde(default)]
        note: Option<String>,
    },
    Forward {
        to: Uuid,
        #[serde(default)]
        note: Option<String>,
    },
    SendBack {
        reason: String,
    },
    Approve {
        #[serde(default)]
        note: Option<String>,
    },
    Issue,
    Recall {
        reason: String,
    },
}

impl DocAction {
    pub fn kind(&self) -> DocActionKind {
        match self {
            DocAction::Register { .. } => DocActionKind::Register,
            DocAction::Refuse { .. } => DocActionKind::Refuse,
            DocAction::Assign { .. } => DocActionKind::Assign,
            DocAction::Opinion { .. } => DocActionKind::Opinion,
            DocAction::Complete { .. } => DocActionKind::Complete,
            DocAction::Revise { .. } => DocActionKind::Revise,
            DocAction::Submit { .. } => DocActionKind::Submit,
            DocAction::Forward { .. } => DocActionKind::Forward,
            DocAction::SendBack { .. } => DocActionKind::SendBack,
            DocAction::Approve { .. } => DocActionKind::Approve,
            DocAction::Issue => DocActionKind::Issue,
            DocAction::Recall { .. } => DocActionKind::Recall,
        }
    }
}

/// The fields of a document kept as JSON in its row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_authority: Option<String>,
    /// The body of the latest version (outgoing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default)]
    pub version: i64,
    /// For a document delivered by another unit of this Sen: the outgoing
    /// document and recipient row it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_document: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_recipient: Option<Uuid>,
    /// The last refusal, send-back or recall reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the signer's blank is on the issued PDF: page, then the
    /// rectangle `[x1, y1, x2, y2]` in points (for the visible seal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_place: Option<(usize, [f32; 4])>,
    /// Issued, but not yet sealed and sent to its recipients (the dispatch
    /// runs right after the issue, and again from the job until it is done).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dispatch_pending: bool,
}

/// A document as the edge shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    #[serde(flatten)]
    pub row: StoredDocument,
    #[serde(skip)]
    pub data_parsed: DocData,
    pub status_vi: &'static str,
    pub status_en: &'static str,
    pub doc_type_vi: &'static str,
    pub doc_type_en: &'static str,
    pub urgency_vi: &'static str,
}

impl Document {
    fn from_row(row: StoredDocument) -> Result<Document, AppError> {
        let status = DocStatus::parse(&row.status)?;
        let ty = DocType::parse(&row.doc_type)?;
        let urgency = Urgency::parse(&row.urgency)?;
        let data_parsed: DocData = serde_json::from_str(&row.data)
            .map_err(|e| AppError::Internal(format!("document data: {e}")))?;
        Ok(Document {
            row,
            data_parsed,
            status_vi: status.label_vi(),
            status_en: status.label_en(),
            doc_type_vi: ty.name_vi(),
            doc_type_en: ty.name_en(),
            urgency_vi: urgency.label_vi(),
        })
    }

    pub fn status(&self) -> DocStatus {
        DocStatus::parse(&self.row.status).unwrap_or(DocStatus::Recalled)
    }
}

/// Search text: folded subject, numbers, sender and body.
fn search_text(parts: &[Option<&str>]) -> String {
    let joined: Vec<&str> = parts.iter().flatten().copied().collect();
    let mut s = sen_domain::text::search_key(&joined.join(" "));
    // Keep the index bounded; the subject and numbers come first.
    if s.len() > 20_000 {
        let mut cut = 20_000;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// Splits a query into folded words of letters and digits.
pub fn query_words(q: &str) -> Vec<String> {
    sen_domain::text::search_key(q)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_string)
        .collect()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Everything an action's transaction needs, computed before it starts.
struct Prepared {
    action: DocAction,
    tag: String,
    actor_id: Option<Uuid>,
    actor_name: String,
    now: String,
    today: NaiveDate,
    /// For Register: the register to use.
    register: Option<Register>,
    /// For Issue: the register, the issuer's abbreviation and the drafting
    /// unit's, and the agency block for the PDF.
    issue: Option<IssuePlan>,
    /// The exchange's keys, for messages to other platforms.
    keys: Option<Arc<crate::exchange::ExchangeKeys>>,
}

struct IssuePlan {
    register: Register,
    issuer_abbr: String,
    drafting_abbr: Option<String>,
    agency: sen_forms::Agency,
}

impl App {
    // ----- units ----------------------------------------------------------

    /// The agency a unit works for: itself, or its nearest ancestor that
    /// issues documents in its own name.
    pub async fn agency_of_unit(&self, unit: Uuid) -> Result<sen_store::org::Unit, AppError> {
        let mut path = vec![unit];
        path.extend(sen_store::org::ancestors_ro(&self.db, unit).await?);
        let mut first = None;
        for id in path {
            let u = sen_store::org::unit(&self.db, id)
                .await?
                .ok_or_else(|| AppError::not_found("unit", id))?;
            let agency = UnitKind::parse(&u.kind)
                .map(|k| k.is_agency())
                .unwrap_or(true);
            if agency {
                return Ok(u);
            }
            first.get_or_insert(u);
        }
        first.ok_or_else(|| AppError::not_found("unit", unit))
    }

    async fn unit_path(&self, unit: Uuid) -> Result<Vec<Uuid>, AppError> {
        let mut path = vec![unit];
        path.extend(sen_store::org::ancestors_ro(&self.db, unit).await?);
        Ok(path)
    }

    async fn allowed_on(
        &self,
        actor: &Actor,
        perms: &[Permission],
        unit: Uuid,
    ) -> Result<bool, AppError> {
        match actor {
            Actor::Operator | Actor::System => Ok(true),
            Actor::Citizen { .. } => Ok(false),
            Actor::Staff { grants, .. } => {
                let path = self.unit_path(unit).await?;
                Ok(perms.iter().any(|p| access::is_allowed(grants, *p, &path)))
            }
        }
    }

    fn tenant_of(actor: &Actor, fallback: Uuid) -> Uuid {
        match actor {
            Actor::Staff { tenant_id, .. } => *tenant_id,
            _ => fallback,
        }
    }

    // ----- registers --------------------------------------------------------

    pub async fn create_register(
        &self,
        actor: &Actor,
        input: NewRegister,
    ) -> Result<Register, AppError> {
        let keeper = sen_store::org::unit(&self.db, input.unit_id)
            .await?
            .ok_or_else(|| AppError::not_found("unit", input.unit_id))?;
        if let Actor::Staff { tenant_id, .. } = actor {
            if *tenant_id != keeper.tenant_id {
                return Err(AppError::not_found("unit", input.unit_id));
            }
        }
        if !self
            .allowed_on(
                actor,
                &[Permission::DocumentRegister, Permission::UnitManage],
                keeper.id,
            )
            .await?
        {
            return Err(AppError::Forbidden(Permission::DocumentRegister));
        }
        let direction = Direction::parse(&input.direction)?;
        let name = rules::validate_register_name(&input.name)?;
        let mut types = Vec::new();
        for t in &input.doc_types {
            let t = DocType::parse(t)?.code().to_string();
            if !types.contains(&t) {
                types.push(t);
            }
        }
        let issuer = match input.issuer_unit_id {
            Some(id) => sen_store::org::unit(&self.db, id)
                .await?
                .filter(|u| u.tenant_id == keeper.tenant_id)
                .ok_or_else(|| AppError::not_found("unit", id))?,
            None => self.agency_of_unit(keeper.id).await?,
        };
        let reg = Register {
            id: new_id(),
            tenant_id: keeper.tenant_id,
            unit_id: keeper.id,
            issuer_unit_id: issuer.id,
            direction: direction.as_str().into(),
            name,
            doc_types: types,
            status: "active".into(),
            created_at: now_utc(),
        };
        let tag = actor.tag();
        let db = self.db.clone();
        let r = reg.clone();
        self.db
            .transaction(|tx| {
                let (db, r, tag) = (db.clone(), r.clone(), tag.clone());
                Box::pin(async move {
                    store::insert_register(tx, &r).await?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "register.created", "register", Some(r.id.to_string()))
                            .unit(r.unit_id)
                            .payload(serde_json::json!({
                                "name": r.name, "direction": r.direction,
                                "issuer_unit_id": r.issuer_unit_id, "doc_types": r.doc_types,
                            })),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok(reg)
    }

    /// Registers of the tenant (those kept by `unit` when given).
    pub async fn registers(
        &self,
        actor: &Actor,
        tenant: Uuid,
        unit: Option<Uuid>,
    ) -> Result<Vec<Register>, AppError> {
        let tenant = Self::tenant_of(actor, tenant);
        Ok(store::registers(&self.db, tenant, unit).await?)
    }

    /// The registers whose keeper the actor may register in, issuing for
    /// `issuer`, in `direction`.
    async fn registers_for(
        &self,
        actor: &Actor,
        tenant: Uuid,
        issuer: Uuid,
        direction: Direction,
    ) -> Result<Vec<Register>, AppError> {
        let mut out = Vec::new();
        for r in store::registers(&self.db, tenant, None).await? {
            if r.issuer_unit_id == issuer
                && r.direction == direction.as_str()
                && self
                    .allowed_on(actor, &[Permission::DocumentRegister], r.unit_id)
                    .await?
            {
                out.push(r);
            }
        }
        Ok(out)
    }

    fn pick(registers: &[Register], direction: Direction, ty: DocType) -> Option<Register> {
        let scopes: Vec<RegisterScope> = registers
            .iter()
            .map(|r| RegisterScope {
                direction,
                doc_types: r
                    .doc_types
                    .iter()
                    .filter_map(|t| DocType::parse(t).ok())
                    .collect(),
            })
            .collect();
        rules::pick_register(&scopes, direction, ty).map(|i| registers[i].clone())
    }

    // ----- reading ------------------------------------------------------------

    /// A document the actor may see: staff of its agency or of its handling
    /// unit, or someone it involves (author, holder, handler).
    pub async fn document(&self, actor: &Actor, id: Uuid) -> Result<Document, AppError> {
        let row = store::document(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("document", id))?;
        if !self.may_see(actor, &row).await? {
            return Err(AppError::not_found("document", id));
        }
        Document::from_row(row)
    }

    async fn may_see(&self, actor: &Actor, row: &StoredDocument) -> Result<bool, AppError> {
        let read = [
            Permission::DocumentRegister,
            Permission::DocumentProcess,
            Permission::DocumentApprove,
            Permission::AuditRead,
        ];
        match actor {
            Actor::Operator | Actor::System => Ok(true),
            Actor::Citizen { .. } => Ok(false),
            Actor::Staff { id, tenant_id, .. } => {
                if *tenant_id != row.tenant_id {
                    return Ok(false);
                }
                if [
                    row.author_id,
                    row.holder_account_id,
                    row.handler_account_id,
                    row.signer_id,
                ]
                .contains(&Some(*id))
                {
                    return Ok(true);
                }
                for unit in [Some(row.unit_id), row.handler_unit_id, row.drafting_unit_id]
                    .into_iter()
                    .flatten()
                {
                    if self.allowed_on(actor, &read, unit).await? {
                        return Ok(true);
                    }
                }
                // Clerks keeping a register for the agency.
                for r in store::registers(&self.db, row.tenant_id, None).await? {
                    if r.issuer_unit_id == row.unit_id
                        && self
                            .allowed_on(actor, &[Permission::DocumentRegister], r.unit_id)
                            .await?
                    {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    /// Documents the actor works on or may see, filtered.
    pub async fn documents(
        &self,
        actor: &Actor,
        mut filter: store::DocumentFilter,
        query: Option<&str>,
    ) -> Result<Vec<Document>, AppError> {
        let Actor::Staff {
            tenant_id, grants, ..
        } = actor
        else {
            return Err(AppError::Unauthenticated);
        };
        if let Some(q) = query {
            filter.words = query_words(q);
        }
        if filter.limit == 0 {
            filter.limit = 200;
        }
        // Narrow to the units the actor's grants reach, unless a narrower
        // filter was given; every row is checked again below.
        if filter.units.is_empty() && filter.handler_units.is_empty() && filter.involving.is_none()
        {
            let all = sen_store::org::units(&self.db, *tenant_id, None).await?;
            let roots: Vec<Uuid> = grants.iter().map(|g| g.unit_id).collect();
            let mut units = crate::org::subtree(&all, &roots);
            // Clerks see the mail of the agencies whose registers they keep.
            for r in store::registers(&self.db, *tenant_id, None).await? {
                if units.contains(&r.unit_id) && !units.contains(&r.issuer_unit_id) {
                    units.push(r.issuer_unit_id);
                }
            }
            filter.units = units.clone();
            filter.handler_units = units;
        }
        let rows = store::documents(&self.db, *tenant_id, &filter).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if self.may_see(actor, &r).await? {
                out.push(Document::from_row(r)?);
            }
        }
        Ok(out)
    }

    /// The timeline of a document, from its events.
    pub async fn document_events(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<sen_domain::audit::Event>, AppError> {
        self.document(actor, id).await?;
        Ok(events::list(
            &self.db,
            &events::EventFilter {
                object_type: Some("document".into()),
                object_id: Some(id.to_string()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await?)
    }

    pub async fn document_versions(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<Version>, AppError> {
        self.document(actor, id).await?;
        Ok(store::versions(&self.db, id).await?)
    }

    pub async fn document_files(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<DocumentFile>, AppError> {
        self.document(actor, id).await?;
        Ok(store::files(&self.db, id).await?)
    }

    pub async fn document_file(
        &self,
        actor: &Actor,
        id: Uuid,
        file: Uuid,
    ) -> Result<(DocumentFile, Vec<u8>), AppError> {
        self.document(actor, id).await?;
        match store::file(&self.db, file).await? {
            Some((f, bytes)) if f.document_id == id => Ok((f, bytes)),
            _ => Err(AppError::not_found("file", file)),
        }
    }

    /// The outgoing documents drafted in answer to a document.
    pub async fn document_answers(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<Document>, AppError> {
        self.document(actor, id).await?;
        let mut out = Vec::new();
        for r in store::answers(&self.db, id).await? {
            if self.may_see(actor, &r).await? {
                out.push(Document::from_row(r)?);
            }
        }
        Ok(out)
    }

    /// The code of a dossier linked to a document, for its page.
    pub async fn dossier_code(&self, id: Uuid) -> Result<Option<String>, AppError> {
        Ok(sen_store::dossiers::by_id(&self.db, id)
            .await?
            .map(|d| d.code))
    }

    pub async fn document_recipients(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<Recipient>, AppError> {
        self.document(actor, id).await?;
        Ok(store::recipients(&self.db, id).await?)
    }

    /// The actions the actor may take now on the document.
    pub async fn document_actions(
        &self,
        actor: &Actor,
        doc: &Document,
    ) -> Result<Vec<DocActionKind>, AppError> {
        let mut out = Vec::new();
        for a in doc.status().allowed_actions() {
            if self.check_may(actor, &doc.row, a).await.is_ok() {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Who may do `kind` on `row`, beyond the state machine.
    async fn check_may(
        &self,
        actor: &Actor,
        row: &StoredDocument,
        kind: DocActionKind,
    ) -> Result<(), AppError> {
        let me = match actor {
            Actor::Staff { id, tenant_id, .. } => {
                if *tenant_id != row.tenant_id {
                    return Err(AppError::not_found("document", row.id));
                }
                Some(*id)
            }
            Actor::Citizen { .. } => return Err(AppError::Forbidden(kind.permissions()[0])),
            Actor::Operator | Actor::System => None,
        };
        let forbidden = || AppError::Forbidden(kind.permissions()[0]);
        let ok = match kind {
            DocActionKind::Register | DocActionKind::Refuse | DocActionKind::Issue => {
                let dir = if kind == DocActionKind::Issue {
                    Direction::Outgoing
                } else {
                    Direction::Incoming
                };
                !self
                    .registers_for(actor, row.tenant_id, row.unit_id, dir)
                    .await?
                    .is_empty()
            }
            DocActionKind::Assign => {
                self.allowed_on(actor, kind.permissions(), row.unit_id)
                    .await?
            }
            DocActionKind::Opinion | DocActionKind::Complete => {
                me.is_some_and(|m| row.handler_account_id == Some(m))
                    || self
                        .allowed_on(actor, &[Permission::DocumentApprove], row.unit_id)
                        .await?
                    || match row.handler_unit_id {
                        Some(u) => self.allowed_on(actor, kind.permissions(), u).await?,
                        None => false,
                    }
            }
            DocActionKind::Revise | DocActionKind::Submit => me.is_none() || me == row.author_id,
            DocActionKind::Forward | DocActionKind::Approve => {
                (me.is_none() || me == row.holder_account_id)
                    && self
                        .allowed_on(
                            actor,
                            kind.permissions(),
                            row.drafting_unit_id.unwrap_or(row.unit_id),
                        )
                        .await?
            }
            DocActionKind::SendBack => {
                if row.status == DocStatus::Approved.as_str() {
                    me.is_none()
                        || me == row.signer_id
                        || !self
                            .registers_for(actor, row.tenant_id, row.unit_id, Direction::Outgoing)
                            .await?
                            .is_empty()
                } else {
                    me.is_none() || me == row.holder_account_id
                }
            }
            DocActionKind::Recall => {
                if row.direction == Direction::Incoming.as_str() {
                    me.is_none()
                } else {
                    self.allowed_on(actor, kind.permissions(), row.unit_id)
                        .await?
                }
            }
        };
        if ok {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// Checks that `account` may review or approve drafts of `unit`.
    async fn check_reviewer(
        &self,
        tenant: Uuid,
        account: Uuid,
        unit: Uuid,
        approve_only: bool,
        field: &'static str,
    ) -> Result<String, AppError> {
        let acc = sen_store::accounts::by_id(&self.db, account)
            .await?
            .filter(|a| a.tenant_id == tenant && a.status == "active")
            .ok_or_else(|| AppError::not_found("account", account))?;
        let grants = sen_store::accounts::grants(&self.db, account).await?;
        let path = self.unit_path(unit).await?;
        let perms: &[Permission] = if approve_only {
            &[Permission::DocumentApprove]
        } else {
            &[Permission::DocumentProcess, Permission::DocumentApprove]
        };
        if perms.iter().any(|p| access::is_allowed(&grants, *p, &path)) {
            Ok(acc.full_name)
        } else {
            Err(sen_domain::Invalid::new(
                field,
                format!(
                    "{} không có quyền xem xét văn bản của đơn vị này",
                    acc.full_name
                ),
                format!("{} may not review this unit's documents", acc.full_name),
            )
            .into())
        }
    }

    // ----- choices for forms -----------------------------------------------------

    /// Accounts that may review or approve drafts of `unit` (leaders and
    /// specialists of the unit and the units above it), except the actor.
    pub async fn reviewers_for(
        &self,
        actor: &Actor,
        unit: Uuid,
    ) -> Result<Vec<(Uuid, String)>, AppError> {
        let path = self.unit_path(unit).await?;
        let me = match actor {
            Actor::Staff { id, .. } => Some(*id),
            _ => None,
        };
        let mut out: Vec<(Uuid, String)> = Vec::new();
        for role in ["unit_leader", "specialist"] {
            for a in sen_store::accounts::holders(&self.db, role, &path).await? {
                if Some(a.id) != me && !out.iter().any(|(id, _)| *id == a.id) {
                    out.push((a.id, format!("{} ({})", a.full_name, a.username)));
                }
            }
        }
        Ok(out)
    }

    /// Units a document of `agency` may be assigned to (the agency and the
    /// units below it), and the people there who may handle it.
    pub async fn assignees_for(
        &self,
        tenant: Uuid,
        agency: Uuid,
    ) -> Result<(Vec<(Uuid, String)>, Vec<(Uuid, String)>), AppError> {
        let all = sen_store::org::units(&self.db, tenant, None).await?;
        let ids = crate::org::subtree(&all, &[agency]);
        let units: Vec<(Uuid, String)> = all
            .iter()
            .filter(|u| ids.contains(&u.id) && u.status == "active")
            .map(|u| (u.id, u.name.clone()))
            .collect();
        let mut people: Vec<(Uuid, String)> = Vec::new();
        for role in ["specialist", "unit_leader"] {
            for a in sen_store::accounts::holders(&self.db, role, &ids).await? {
                if !people.iter().any(|(id, _)| *id == a.id) {
                    people.push((a.id, format!("{} ({})", a.full_name, a.username)));
                }
            }
        }
        Ok((units, people))
    }

    /// The units the actor may draft in (where they may process documents).
    pub async fn drafting_units(&self, actor: &Actor) -> Result<Vec<(Uuid, String)>, AppError> {
        let Actor::Staff { grants, .. } = actor else {
            return Ok(Vec::new());
        };
        let mut out: Vec<(Uuid, String)> = Vec::new();
        for g in grants {
            if (g.role.allows(Permission::DocumentProcess)
                || g.role.allows(Permission::DocumentApprove))
                && !out.iter().any(|(id, _)| *id == g.unit_id)
            {
                if let Some(u) = sen_store::org::unit(&self.db, g.unit_id).await? {
                    out.push((u.id, u.name));
                }
            }
        }
        Ok(out)
    }

    /// Agencies of the province a document can be sent to, except `except`.
    pub async fn agencies(
        &self,
        tenant: Uuid,
        except: Option<Uuid>,
    ) -> Result<Vec<(Uuid, String)>, AppError> {
        Ok(sen_store::org::units(&self.db, tenant, None)
            .await?
            .into_iter()
            .filter(|u| {
                u.status == "active"
                    && Some(u.id) != except
                    && UnitKind::parse(&u.kind)
                        .map(|k| k.is_agency())
                        .unwrap_or(false)
            })
            .map(|u| (u.id, u.name))
            .collect())
    }

    /// The registers the actor keeps, in one direction.
    pub async fn my_registers(
        &self,
        actor: &Actor,
        direction: Direction,
    ) -> Result<Vec<Register>, AppError> {
        let Actor::Staff { tenant_id, .. } = actor else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for r in store::registers(&self.db, *tenant_id, None).await? {
            if r.direction == direction.as_str()
                && self
                    .allowed_on(actor, &[Permission::DocumentRegister], r.unit_id)
                    .await?
            {
                out.push(r);
            }
        }
        Ok(out)
    }

    // ----- incoming -------------------------------------------------------------

    /// Registers a paper document in an incoming register: it gets the next
    /// incoming number of the year at once.
    pub async fn register_incoming(
        &self,
        actor: &Actor,
        input: NewIncoming,
        file: Option<NewFile>,
    ) -> Result<Document, AppError> {
        let register = store::register_by_id(&self.db, input.register_id)
            .await?
            .filter(|r| r.status == "active")
            .ok_or_else(|| AppError::not_found("register", input.register_id))?;
        if let Actor::Staff { tenant_id, .. } = actor {
            if *tenant_id != register.tenant_id {
                return Err(AppError::not_found("register", input.register_id));
            }
        }
        if register.direction != Direction::Incoming.as_str() {
            return Err(sen_domain::Invalid::new(
                "register_id",
                "Sổ này là sổ văn bản đi",
                "this register is for outgoing documents",
            )
            .into());
        }
        if !self
            .allowed_on(actor, &[Permission::DocumentRegister], register.unit_id)
            .await?
        {
            return Err(AppError::Forbidden(Permission::DocumentRegister));
        }
        let ty = DocType::parse(&input.doc_type)?;
        let subject = rules::validate_subject(&input.subject)?;
        let number = rules::validate_original_number(&input.original_number)?;
        let sender = rules::validate_name("sender_name", &input.sender_name)?;
        let urgency = Urgency::parse(input.urgency.as_deref().unwrap_or("normal"))?;
        let file = match file {
            Some(f) => {
                let (name, content_type) = sen_domain::files::check_upload(&f.name, &f.bytes)?;
                Some(NewFile {
                    name,
                    content_type: content_type.into(),
                    bytes: f.bytes,
                })
            }
            None => None,
        };
        let now = now_utc();
        let year = i64::from(self.now_local().year());
        let id = new_id();
        let row = StoredDocument {
            doc_type: ty.code().into(),
            subject: subject.clone(),
            urgency: urgency.as_str().into(),
            register_id: Some(register.id),
            reg_year: Some(year),
            number_symbol: Some(number.clone()),
            doc_date: Some(input.doc_date.to_string()),
            sender_name: Some(sender.clone()),
            received_at: Some(now.clone()),
            due_date: input.due_date.map(|d| d.to_string()),
            search_text: search_text(&[Some(&subject), Some(&number), Some(&sender)]),
            data: serde_json::to_string(&DocData::default())
                .map_err(|e| AppError::Internal(e.to_string()))?,
            ..blank_document(
                id,
                register.tenant_id,
                register.issuer_unit_id,
                Direction::Incoming,
                DocStatus::Registered,
                now.clone(),
            )
        };
        let tag = actor.tag();
        let db = self.db.clone();
        let file = Arc::new(file);
        self.db
            .transaction(|tx| {
                let (db, mut row, tag, file) = (db.clone(), row.clone(), tag.clone(), file.clone());
                Box::pin(async move {
                    let key = rules::register_counter_key(
                        &row.register_id.unwrap_or_default().to_string(),
                        year as i32,
                    );
                    row.reg_number = Some(counters::next(tx, &key).await?);
                    store::insert_document(tx, &row).await?;
                    let file_meta = match file.as_ref() {
                        Some(f) => Some(insert_file(tx, row.id, "original", f, &tag).await?),
                        None => None,
                    };
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(
                            tag,
                            "document.registered",
                            "document",
                            Some(row.id.to_string()),
                        )
                        .unit(row.unit_id)
                        .payload(serde_json::json!({
                            "direction": "incoming", "register_id": row.register_id,
                            "reg_year": row.reg_year, "reg_number": row.reg_number,
                            "number_symbol": row.number_symbol, "sender": row.sender_name,
                            "subject": row.subject, "doc_type": row.doc_type,
                            "file_sha256": file_meta.map(|f| f.sha256),
                        })),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        self.document(actor, id).await
    }

    // ----- outgoing -------------------------------------------------------------

    pub async fn create_draft(&self, actor: &Actor, input: NewDraft) -> Result<Document, AppError> {
        let Actor::Staff {
            id: author,
            tenant_id,
            ..
        } = actor
        else {
            return Err(AppError::Forbidden(Permission::DocumentProcess));
        };
        let drafting = sen_store::org::unit(&self.db, input.unit_id)
            .await?
            .filter(|u| u.tenant_id == *tenant_id)
            .ok_or_else(|| AppError::not_found("unit", input.unit_id))?;
        if !self
            .allowed_on(
                actor,
                &[Permission::DocumentProcess, Permission::DocumentApprove],
                drafting.id,
            )
            .await?
        {
            return Err(AppError::Forbidden(Permission::DocumentProcess));
        }
        let agency = self.agency_of_unit(drafting.id).await?;
        let ty = DocType::parse(&input.doc_type)?;
        let subject = rules::validate_subject(&input.subject)?;
        let body = rules::validate_body(&input.body)?;
        let urgency = Urgency::parse(input.urgency.as_deref().unwrap_or("normal"))?;
        let mut recipients = Vec::new();
        for r in &input.recipients {
            recipients.push(match r {
                RecipientSpec::Unit { unit_id } => {
                    let u = sen_store::org::unit(&self.db, *unit_id)
                        .await?
                        .filter(|u| u.tenant_id == *tenant_id && u.status == "active")
                        .ok_or_else(|| AppError::not_found("unit", unit_id))?;
                    let a = self.agency_of_unit(u.id).await?;
                    if a.id == agency.id {
                        return Err(sen_domain::Invalid::new(
                            "recipients",
                            format!("«{}» thuộc chính cơ quan ban hành", u.name),
                            format!("«{}» belongs to the issuing agency itself", u.name),
                        )
                        .into());
                    }
                    (Some(a.id), None, a.name)
                }
                RecipientSpec::External { organ_id, name } => {
                    let organ = organ_id.trim();
                    if organ.is_empty()
                        || organ.len() > 100
                        || organ.chars().any(char::is_whitespace)
                    {
                        return Err(sen_domain::Invalid::new(
                            "recipients",
                            format!("Mã định danh cơ quan «{organ}» không hợp lệ"),
                            format!("organisation id «{organ}» is invalid"),
                        )
                        .into());
                    }
                    (
                        None,
                        Some(organ.to_string()),
                        rules::validate_name("recipients", name)?,
                    )
                }
            });
        }
        // No duplicates (edXML's rule: To without duplicates).
        for (i, a) in recipients.iter().enumerate() {
            if recipients[i + 1..]
                .iter()
                .any(|b| (b.0.is_some() && b.0 == a.0) || (b.1.is_some() && b.1 == a.1))
            {
                return Err(sen_domain::Invalid::new(
                    "recipients",
                    format!("«{}» có tên hai lần trong danh sách nơi nhận", a.2),
                    format!("«{}» is listed twice", a.2),
                )
                .into());
            }
        }
        if let Some(r) = input.responds_to {
            let d = store::document(&self.db, r)
                .await?
                .filter(|d| d.tenant_id == *tenant_id && d.direction == "incoming")
                .ok_or_else(|| AppError::not_found("document", r))?;
            let _ = d;
        }
        let title = input
            .signer_title
            .as_deref()
            .map(|t| rules::validate_name("signer_title", t))
            .transpose()?;
        let authority = input
            .signer_authority
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(|t| rules::validate_name("signer_authority", t))
            .transpose()?;
        let now = now_utc();
        let id = new_id();
        let data = DocData {
            signer_title: title,
            signer_authority: authority,
            body: Some(body.clone()),
            version: 1,
            ..Default::default()
        };
        let row = StoredDocument {
            doc_type: ty.code().into(),
            subject: subject.clone(),
            urgency: urgency.as_str().into(),
            author_id: Some(*author),
            drafting_unit_id: Some(drafting.id),
            responds_to: input.responds_to,
            search_text: search_text(&[Some(&subject), Some(&body)]),
            data: serde_json::to_string(&data).map_err(|e| AppError::Internal(e.to_string()))?,
            ..blank_document(
                id,
                *tenant_id,
                agency.id,
                Direction::Outgoing,
                DocStatus::Draft,
                now.clone(),
            )
        };
        let tag = actor.tag();
        let db = self.db.clone();
        let recipients = Arc::new(recipients);
        self.db
            .transaction(|tx| {
                let (db, row, tag, recipients, body, now) =
                    (db.clone(), row.clone(), tag.clone(), recipients.clone(), body.clone(), now.clone());
                Box::pin(async move {
                    store::insert_document(tx, &row).await?;
                    store::insert_version(
                        tx,
                        &Version {
                            id: new_id(),
                            document_id: row.id,
                            version: 1,
                            body: body.clone(),
                            note: None,
                            created_by: tag.clone(),
                            created_at: now.clone(),
                        },
                    )
                    .await?;
                    for (unit, organ, name) in recipients.iter() {
                        store::insert_recipient(
                            tx,
                            &Recipient {
                                id: new_id(),
                                document_id: row.id,
                                unit_id: *unit,
                                organ_id: organ.clone(),
                                name: name.clone(),
                                status: "pending".into(),
                                delivered_document_id: None,
                                updated_at: now.clone(),
                            },
                        )
                        .await?;
                    }
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "document.drafted", "document", Some(row.id.to_string()))
                            .unit(row.unit_id)
                            .payload(serde_json::json!({
                                "direction": "outgoing", "doc_type": row.doc_type, "subject": row.subject,
                                "drafting_unit_id": row.drafting_unit_id, "version": 1,
                                "body_sha256": sha256_hex(body.as_bytes()),
                                "recipients": recipients.iter().map(|r| &r.2).collect::<Vec<_>>(),
                                "responds_to": row.responds_to,
                            })),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        self.document(actor, id).await
    }

    // ----- actions ----------------------------------------------------------------

    /// Performs one action on a document, in one transaction with its event.
    pub async fn act_on_document(
        &self,
        actor: &Actor,
        id: Uuid,
        action: DocAction,
    ) -> Result<Document, AppError> {
        let row = store::document(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("document", id))?;
        if !self.may_see(actor, &row).await? {
            return Err(AppError::not_found("document", id));
        }
        let kind = action.kind();
        let status = DocStatus::parse(&row.status)?;
        rules::transition(status, kind)
            .map_err(|e| AppError::conflict(e.message_vi(), e.message_en()))?;
        self.check_may(actor, &row, kind).await?;
        let action = self.validate_action(actor, &row, action).await?;
        let (actor_id, actor_name) = match actor {
            Actor::Staff { id, .. } => (
                Some(*id),
                sen_store::accounts::by_id(&self.db, *id)
                    .await?
                    .map(|a| a.full_name)
                    .unwrap_or_default(),
            ),
            _ => (None, String::new()),
        };
        let today = self.now_local().date();
        let register = match &action {
            DocAction::Register { register_id } => {
                let regs = self
                    .registers_for(actor, row.tenant_id, row.unit_id, Direction::Incoming)
                    .await?;
                let ty = DocType::parse(&row.doc_type)?;
                Some(match register_id {
                    Some(r) => regs
                        .into_iter()
                        .find(|x| x.id == *r)
                        .ok_or_else(|| AppError::not_found("register", r))?,
                    None => Self::pick(&regs, Direction::Incoming, ty).ok_or_else(|| {
                        AppError::conflict(
                            "Chưa có sổ văn bản đến phù hợp",
                            "no suitable incoming register",
                        )
                    })?,
                })
            }
            _ => None,
        };
        let issue = match &action {
            DocAction::Issue => Some(self.plan_issue(actor, &row).await?),
            _ => None,
        };
        let prepared = Arc::new(Prepared {
            action,
            tag: actor.tag(),
            actor_id,
            actor_name,
            now: now_utc(),
            today,
            register,
            issue,
            keys: self.exchange_keys(),
        });
        let db = self.db.clone();
        self.db
            .transaction(|tx| {
                let (db, p) = (db.clone(), prepared.clone());
                Box::pin(async move { apply_in_tx(&db, tx, id, &p).await })
            })
            .await?;
        if kind == DocActionKind::Issue {
            // Seal and send now; if that fails (a time-stamp authority down),
            // the document stays issued and the job tries again.
            if let Err(e) = self.dispatch_issued(id, &prepared.tag).await {
                tracing::warn!(document = %id, error = %e, "dispatch after issue failed; will retry");
            }
        }
        self.document(actor, id).await
    }

    async fn validate_action(
        &self,
        actor: &Actor,
        row: &StoredDocument,
        action: DocAction,
    ) -> Result<DocAction, AppError> {
        Ok(match action {
            DocAction::Refuse { reason } => DocAction::Refuse {
                reason: rules::validate_note("reason", &reason)?,
            },
            DocAction::SendBack { reason } => DocAction::SendBack {
                reason: rules::validate_note("reason", &reason)?,
            },
            DocAction::Recall { reason } => DocAction::Recall {
                reason: rules::validate_note("reason", &reason)?,
            },
            DocAction::Opinion { text } => DocAction::Opinion {
                text: rules::validate_note("text", &text)?,
            },
            DocAction::Complete {
                note, dossier_code, ..
            } => {
                let code = dossier_code
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty());
                let dossier_id = match &code {
                    Some(c) => Some(
                        sen_store::dossiers::by_code(&self.db, c)
                            .await?
                            .filter(|d| d.tenant_id == row.tenant_id)
                            .ok_or_else(|| {
                                AppError::from(sen_domain::Invalid::new(
                                    "dossier_code",
                                    format!("Không có hồ sơ mã «{c}»"),
                                    format!("there is no dossier «{c}»"),
                                ))
                            })?
                            .id,
                    ),
                    None => None,
                };
                DocAction::Complete {
                    note: note
                        .filter(|n| !n.trim().is_empty())
                        .map(|n| rules::validate_note("note", &n))
                        .transpose()?,
                    dossier_code: code,
                    dossier_id,
                }
            }
            DocAction::Approve { note } => DocAction::Approve {
                note: note
                    .filter(|n| !n.trim().is_empty())
                    .map(|n| rules::validate_note("note", &n))
                    .transpose()?,
            },
            DocAction::Revise {
                subject,
                body,
                note,
            } => DocAction::Revise {
                subject: subject.map(|s| rules::validate_subject(&s)).transpose()?,
                body: rules::validate_body(&body)?,
                note: note
                    .filter(|n| !n.trim().is_empty())
                    .map(|n| rules::validate_note("note", &n))
                    .transpose()?,
            },
            DocAction::Submit { to, note } | DocAction::Forward { to, note } => {
                let unit = row.drafting_unit_id.unwrap_or(row.unit_id);
                if Some(to) == row.author_id && row.status == "draft" {
                    return Err(sen_domain::Invalid::new(
                        "to",
                        "Không thể tự trình cho chính mình",
                        "cannot submit to oneself",
                    )
                    .into());
                }
                self.check_reviewer(row.tenant_id, to, unit, false, "to")
                    .await?;
                let note = note
                    .filter(|n| !n.trim().is_empty())
                    .map(|n| rules::validate_note("note", &n))
                    .transpose()?;
                if row.status == "draft" {
                    DocAction::Submit { to, note }
                } else {
                    DocAction::Forward { to, note }
                }
            }
            DocAction::Assign {
                unit_id,
                account_id,
                due_date,
                note,
            } => {
                let unit = sen_store::org::unit(&self.db, unit_id)
                    .await?
                    .filter(|u| u.tenant_id == row.tenant_id && u.status == "active")
                    .ok_or_else(|| AppError::not_found("unit", unit_id))?;
                // Within the agency's own tree.
                let path = self.unit_path(unit.id).await?;
                if !path.contains(&row.unit_id) {
                    return Err(sen_domain::Invalid::new(
                        "unit_id",
                        format!("«{}» không thuộc cơ quan nhận văn bản", unit.name),
                        format!("«{}» is not part of the receiving agency", unit.name),
                    )
                    .into());
                }
                if let Some(a) = account_id {
                    self.check_reviewer(row.tenant_id, a, unit.id, false, "account_id")
                        .await?;
                }
                if let Some(d) = due_date {
                    if d < self.now_local().date() {
                        return Err(sen_domain::Invalid::new(
                            "due_date",
                            "Hạn xử lý đã qua",
                            "the due date is in the past",
                        )
                        .into());
                    }
                }
                let _ = actor;
                DocAction::Assign {
                    unit_id,
                    account_id,
                    due_date,
                    note: note
                        .filter(|n| !n.trim().is_empty())
                        .map(|n| rules::validate_note("note", &n))
                        .transpose()?,
                }
            }
            a @ (DocAction::Register { .. } | DocAction::Issue) => a,
        })
    }

    async fn plan_issue(&self, actor: &Actor, row: &StoredDocument) -> Result<IssuePlan, AppError> {
        let ty = DocType::parse(&row.doc_type)?;
        let regs = self
            .registers_for(actor, row.tenant_id, row.unit_id, Direction::Outgoing)
            .await?;
        let register = Self::pick(&regs, Direction::Outgoing, ty).ok_or_else(|| {
            AppError::conflict(
                "Chưa có sổ văn bản đi phù hợp cho loại văn bản này",
                "no suitable outgoing register for this type",
            )
        })?;
        let issuer = sen_store::org::unit(&self.db, row.unit_id)
            .await?
            .ok_or_else(|| AppError::not_found("unit", row.unit_id))?;
        let drafting_abbr = match row.drafting_unit_id {
            Some(d) if d != issuer.id => sen_store::org::unit(&self.db, d)
                .await?
                .map(|u| u.abbreviation),
            _ => None,
        };
        // Only letters name the drafting unit in their symbol.
        let drafting_abbr = if ty.is_letter() { drafting_abbr } else { None };
        // The superior agency printed above the issuer's name.
        let parent = match issuer.parent_id {
            Some(p) => Some(self.agency_of_unit(p).await?.name),
            None => None,
        };
        let province = sen_store::org::tenant(&self.db, row.tenant_id)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        let place = province
            .split(" (")
            .next()
            .unwrap_or_default()
            .trim_start_matches("Tỉnh ")
            .trim_start_matches("Thành phố ")
            .to_string();
        let mut internal = Vec::new();
        let mut external = Vec::new();
        for r in store::recipients(&self.db, row.id).await? {
            if let Some(u) = r.unit_id {
                internal.push((r.id, u));
            } else if r.organ_id.is_some() {
                external.push(r.id);
            }
        }
        if !external.is_empty() && self.exchange_keys().is_none() {
            return Err(AppError::conflict(
                "Văn bản có nơi nhận ngoài nền tảng nhưng trục liên thông (edXML) chưa được cấu hình; hãy bỏ các nơi nhận đó hoặc cấu hình [exchange]",
                "the document has recipients on other platforms but the exchange (edXML) is not configured; remove them or configure [exchange]",
            ));
        }
        Ok(IssuePlan {
            register,
            issuer_abbr: issuer.abbreviation.clone(),
            drafting_abbr,
            agency: sen_forms::Agency {
                parent,
                name: issuer.name,
                place,
            },
        })
    }
}

impl App {
    /// Seals an issued document (when a seal is configured) and sends it to
    /// its recipients: an *arrived* document at each unit of this Sen, an
    /// edXML message queued for each agency elsewhere. Idempotent: a
    /// document already dispatched is left alone.
    pub async fn dispatch_issued(&self, id: Uuid, tag: &str) -> Result<(), AppError> {
        let row = store::document(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("document", id))?;
        let data = data_of(&row)?;
        if !data.dispatch_pending {
            return Ok(());
        }
        let issued = store::files(&self.db, id)
            .await?
            .into_iter()
            .rfind(|f| f.role == "issued")
            .ok_or_else(|| AppError::Internal("issued document without its PDF".into()))?;
        let (meta, bytes) = store::file(&self.db, issued.id)
            .await?
            .ok_or_else(|| AppError::Internal("issued PDF missing".into()))?;
        let issuer = sen_store::org::unit(&self.db, row.unit_id)
            .await?
            .ok_or_else(|| AppError::not_found("unit", row.unit_id))?;
        let place = data
            .sign_place
            .map(|(page, rect)| sen_forms::SignaturePlace { page, rect });
        let sealed = self.seal_issued(&bytes, place, &issuer.name).await?;
        let file = match &sealed {
            Some(b) => NewFile {
                name: meta.name.replace(".pdf", "_ky_so.pdf"),
                content_type: "application/pdf".into(),
                bytes: b.clone(),
            },
            None => NewFile {
                name: meta.name.clone(),
                content_type: meta.content_type.clone(),
                bytes,
            },
        };
        let province = sen_store::org::tenant(&self.db, row.tenant_id)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        let place_name = province
            .split(" (")
            .next()
            .unwrap_or_default()
            .trim_start_matches("Tỉnh ")
            .trim_start_matches("Thành phố ")
            .to_string();
        let keys = self.exchange_keys();
        let (db, tag, file, sealed_flag) = (
            self.db.clone(),
            tag.to_string(),
            Arc::new(file),
            sealed.is_some(),
        );
        self.db
            .transaction(|tx| {
                let (db, tag, file, keys, place_name) =
                    (db.clone(), tag.clone(), file.clone(), keys.clone(), place_name.clone());
                Box::pin(async move {
                    let mut row = store::document_in_tx(&db, tx, id)
                        .await?
                        .ok_or_else(|| AppError::not_found("document", id))?;
                    let mut data = data_of(&row)?;
                    if !data.dispatch_pending {
                        return Ok::<_, AppError>(());
                    }
                    let now = now_utc();
                    let signed = if sealed_flag {
                        Some(insert_file(tx, row.id, "signed", &file, &tag).await?)
                    } else {
                        None
                    };
                    let mut delivered = Vec::new();
                    for mut r in store::recipients_in_tx(tx, row.id).await? {
                        if let Some(unit) = r.unit_id {
                            let d = deliver_internal(&db, tx, &row, &data, r.id, unit, &file, &tag, &now).await?;
                            r.status = "01".into();
                            r.delivered_document_id = Some(d);
                        } else if r.organ_id.is_some() {
                            let keys = keys.as_ref().ok_or_else(|| {
                                AppError::conflict(
                                    "Trục liên thông (edXML) chưa được cấu hình",
                                    "the exchange (edXML) is not configured",
                                )
                            })?;
                            crate::exchange::send_document(&db, tx, keys, &row, &data, &r, &file, &place_name, &tag).await?;
                            r.status = "queued".into();
                        } else {
                            continue;
                        }
                        r.updated_at = now.clone();
                        store::update_recipient(tx, &r).await?;
                        delivered.push(r.name.clone());
                    }
                    data.dispatch_pending = false;
                    set_data(&mut row, &data)?;
                    row.updated_at = now.clone();
                    store::update_document(tx, &row).await?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag.clone(), "document.dispatched", "document", Some(row.id.to_string()))
                            .unit(row.unit_id)
                            .payload(serde_json::json!({
                                "sealed": signed.is_some(),
                                "file_sha256": signed.map(|f| f.sha256).unwrap_or_else(|| sha256_hex(&file.bytes)),
                                "recipients": delivered,
                            })),
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Dispatches every issued document still waiting (the job's pass).
    pub async fn dispatch_pending(&self) -> Result<usize, AppError> {
        let mut done = 0;
        for id in store::dispatch_pending(&self.db).await? {
            match self.dispatch_issued(id, "system").await {
                Ok(()) => done += 1,
                Err(e) => tracing::warn!(document = %id, error = %e, "dispatch failed; will retry"),
            }
        }
        Ok(done)
    }

    /// The organisation's seal on an issued PDF, if one is configured
    /// (visible in the signer's blank; B-T when a TSA is configured).
    async fn seal_issued(
        &self,
        pdf: &[u8],
        place: Option<sen_forms::SignaturePlace>,
        organisation: &str,
    ) -> Result<Option<Vec<u8>>, AppError> {
        self.seal_pdf(pdf, place, organisation, self.now()).await
    }
}

pub(crate) async fn insert_file_pub(
    tx: &mut sen_store::Tx,
    document: Uuid,
    role: &str,
    f: &NewFile,
    tag: &str,
) -> Result<DocumentFile, AppError> {
    insert_file(tx, document, role, f, tag).await
}

async fn insert_file(
    tx: &mut sen_store::Tx,
    document: Uuid,
    role: &str,
    f: &NewFile,
    tag: &str,
) -> Result<DocumentFile, AppError> {
    let meta = DocumentFile {
        id: new_id(),
        document_id: document,
        role: role.into(),
        name: f.name.clone(),
        content_type: f.content_type.clone(),
        size: f.bytes.len() as i64,
        sha256: sha256_hex(&f.bytes),
        created_by: tag.into(),
        created_at: now_utc(),
    };
    store::insert_file(tx, &meta, &f.bytes).await?;
    Ok(meta)
}

/// A document row with only its identity, place, status and time set: every
/// way a document comes in starts from it.
pub(crate) fn blank_document(
    id: Uuid,
    tenant: Uuid,
    unit: Uuid,
    direction: Direction,
    status: DocStatus,
    now: String,
) -> StoredDocument {
    StoredDocument {
        id,
        tenant_id: tenant,
        unit_id: unit,
        direction: direction.as_str().into(),
        status: status.as_str().into(),
        doc_type: String::new(),
        subject: String::new(),
        urgency: Urgency::Normal.as_str().into(),
        register_id: None,
        reg_year: None,
        reg_number: None,
        number_symbol: None,
        doc_date: None,
        sender_name: None,
        sender_organ_id: None,
        exchange_id: None,
        received_at: None,
        handler_unit_id: None,
        handler_account_id: None,
        holder_account_id: None,
        author_id: None,
        drafting_unit_id: None,
        signer_id: None,
        due_date: None,
        issued_at: None,
        responds_to: None,
        dossier_id: None,
        search_text: String::new(),
        data: "{}".into(),
        created_at: now.clone(),
        updated_at: now,
    }
}

fn data_of(row: &StoredDocument) -> Result<DocData, AppError> {
    serde_json::from_str(&row.data).map_err(|e| AppError::Internal(format!("document data: {e}")))
}

fn set_data(row: &mut StoredDocument, d: &DocData) -> Result<(), AppError> {
    row.data = serde_json::to_string(d).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(())
}

/// The action's changes, inside its transaction, on the locked row.
async fn apply_in_tx(
    db: &sen_store::Db,
    tx: &mut sen_store::Tx,
    id: Uuid,
    p: &Prepared,
) -> Result<(), AppError> {
    let mut row = store::document_in_tx(db, tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("document", id))?;
    let kind = p.action.kind();
    let from = DocStatus::parse(&row.status)?;
    // The status may have changed since the checks: the machine decides.
    let to = rules::transition(from, kind)
        .map_err(|e| AppError::conflict(e.message_vi(), e.message_en()))?;
    let mut data = data_of(&row)?;
    let mut payload = serde_json::json!({ "from": from.as_str(), "to": to.as_str() });
    let mut extra = |k: &str, v: serde_json::Value| {
        payload[k] = v;
    };
    match &p.action {
        DocAction::Register { .. } => {
            let reg = p
                .register
                .as_ref()
                .ok_or_else(|| AppError::Internal("no register".into()))?;
            let year = i64::from(p.today.year());
            let n = counters::next(
                tx,
                &rules::register_counter_key(&reg.id.to_string(), p.today.year()),
            )
            .await?;
            row.register_id = Some(reg.id);
            row.reg_year = Some(year);
            row.reg_number = Some(n);
            extra("register_id", reg.id.to_string().into());
            extra("reg_year", year.into());
            extra("reg_number", n.into());
        }
        DocAction::Refuse { reason }
        | DocAction::SendBack { reason }
        | DocAction::Recall { reason } => {
            data.reason = Some(reason.clone());
            extra("reason", reason.clone().into());
            if matches!(p.action, DocAction::SendBack { .. }) {
                row.holder_account_id = row.author_id;
                row.signer_id = None;
            }
        }
        DocAction::Assign {
            unit_id,
            account_id,
            due_date,
            note,
        } => {
            row.handler_unit_id = Some(*unit_id);
            row.handler_account_id = *account_id;
            row.due_date = due_date.map(|d| d.to_string()).or(row.due_date.take());
            extra("unit_id", unit_id.to_string().into());
            extra("account_id", account_id.map(|a| a.to_string()).into());
            extra("due_date", row.due_date.clone().into());
            extra("note", note.clone().into());
        }
        DocAction::Opinion { text } => {
            extra("text", text.clone().into());
            extra("by", p.actor_name.clone().into());
        }
        DocAction::Complete {
            note,
            dossier_code,
            dossier_id,
        } => {
            extra("note", note.clone().into());
            if let Some(d) = dossier_id {
                row.dossier_id = Some(*d);
                extra("dossier_code", dossier_code.clone().into());
            }
        }
        DocAction::Revise {
            subject,
            body,
            note,
        } => {
            let v = store::latest_version_in_tx(tx, row.id).await? + 1;
            store::insert_version(
                tx,
                &Version {
                    id: new_id(),
                    document_id: row.id,
                    version: v,
                    body: body.clone(),
                    note: note.clone(),
                    created_by: p.tag.clone(),
                    created_at: p.now.clone(),
                },
            )
            .await?;
            if let Some(s) = subject {
                row.subject = s.clone();
            }
            data.body = Some(body.clone());
            data.version = v;
            row.search_text = search_text(&[Some(&row.subject), Some(body)]);
            extra("version", v.into());
            extra("body_sha256", sha256_hex(body.as_bytes()).into());
            extra("subject", row.subject.clone().into());
            extra("note", note.clone().into());
        }
        DocAction::Submit { to, note } | DocAction::Forward { to, note } => {
            row.holder_account_id = Some(*to);
            // A send-back's reason is answered by the new submission.
            data.reason = None;
            extra("to", to.to_string().into());
            extra("note", note.clone().into());
            extra("version", data.version.into());
        }
        DocAction::Approve { note } => {
            row.signer_id = p.actor_id;
            row.holder_account_id = None;
            data.signer_name = Some(p.actor_name.clone());
            extra("note", note.clone().into());
            extra("version", data.version.into());
            extra("signer", p.actor_name.clone().into());
        }
        DocAction::Issue => {
            let plan = p
                .issue
                .as_ref()
                .ok_or_else(|| AppError::Internal("no issue plan".into()))?;
            let ty = DocType::parse(&row.doc_type)?;
            let year = p.today.year();
            let n = counters::next(
                tx,
                &rules::register_counter_key(&plan.register.id.to_string(), year),
            )
            .await?;
            let ns = NumberSymbol::new(n, ty, &plan.issuer_abbr, plan.drafting_abbr.as_deref())?;
            row.register_id = Some(plan.register.id);
            row.reg_year = Some(i64::from(year));
            row.reg_number = Some(n);
            row.number_symbol = Some(ns.to_string());
            row.doc_date = Some(p.today.to_string());
            row.issued_at = Some(p.now.clone());
            let body = data.body.clone().unwrap_or_default();
            row.search_text = search_text(&[
                Some(&row.subject),
                row.number_symbol.as_deref(),
                Some(&body),
            ]);
            // The issued PDF, with the number and date.
            let recipients = store::recipients_in_tx(tx, row.id).await?;
            let doc = sen_forms::OfficialDocument {
                agency: plan.agency.clone(),
                number: Some(ns.to_string()),
                issued_on: Some(p.today),
                type_name: (!ty.is_letter()).then(|| ty.name_vi().to_string()),
                subject: row.subject.clone(),
                addressees: if ty.is_letter() {
                    recipients.iter().map(|r| r.name.clone()).collect()
                } else {
                    vec![]
                },
                body: body.clone(),
                recipients: recipients.iter().map(|r| r.name.clone()).collect(),
                signer: sen_forms::Signer {
                    authority: data.signer_authority.clone(),
                    title: data
                        .signer_title
                        .clone()
                        .unwrap_or_else(|| "THỦ TRƯỞNG CƠ QUAN".into()),
                    name: data.signer_name.clone().unwrap_or_default(),
                },
                draft: false,
            };
            let (pdf, place) = doc
                .render_with_place()
                .map_err(|e| AppError::Internal(format!("PDF: {e}")))?;
            let file_name = format!("{}.pdf", ns.to_string().replace('/', "_"));
            let file = NewFile {
                name: file_name,
                content_type: "application/pdf".into(),
                bytes: pdf,
            };
            let meta = insert_file(tx, row.id, "issued", &file, &p.tag).await?;
            data.sign_place = Some((place.page, place.rect));
            // Sealing and sending follow, outside this transaction
            // (App::dispatch_issued): a time-stamp authority may be slow.
            data.dispatch_pending = true;
            extra("register_id", plan.register.id.to_string().into());
            extra("reg_year", year.into());
            extra("reg_number", n.into());
            extra("number_symbol", ns.to_string().into());
            extra("pdf_sha256", meta.sha256.clone().into());
            extra("version", data.version.into());
        }
    }
    row.status = to.as_str().into();
    row.updated_at = p.now.clone();
    set_data(&mut row, &data)?;
    store::update_document(tx, &row).await?;
    events::append(
        db,
        tx,
        NewEvent::new(
            p.tag.clone(),
            format!("document.{}", kind.as_str()),
            "document",
            Some(row.id.to_string()),
        )
        .unit(row.unit_id)
        .payload(payload),
    )
    .await?;
    // A document that came by exchange answers its sender with the status
    // of its new state; a recalled outgoing one tells its recipients.
    if let Some(keys) = &p.keys {
        if row.exchange_id.is_some() {
            if let Some(code) = crate::exchange::status_for(to) {
                let description = match &p.action {
                    DocAction::Refuse { reason } => Some(reason.clone()),
                    _ => None,
                };
                crate::exchange::send_status(db, tx, keys, &row, code, description, &p.tag).await?;
            }
        }
        if let (DocAction::Recall { reason }, "outgoing") = (&p.action, row.direction.as_str()) {
            crate::exchange::send_recall(db, tx, keys, &row, reason, &p.tag).await?;
        }
    }
    // An incoming document delivered from another unit of this Sen answers
    // its sender with the edXML status of its new state.
    if let (Some(code), Some(rid)) = (rules::edxml_status_code(to), data.source_recipient) {
        echo_status(tx, rid, code, &p.now).await?;
    }
    Ok(())
}

/// Creates the *arrived* incoming document at a unit of this Sen.
#[allow(clippy::too_many_arguments)]
async fn deliver_internal(
    db: &sen_store::Db,
    tx: &mut sen_store::Tx,
    out: &StoredDocument,
    out_data: &DocData,
    recipient: Uuid,
    unit: Uuid,
    file: &NewFile,
    tag: &str,
    now: &str,
) -> Result<Uuid, AppError> {
    let id = new_id();
    let data = DocData {
        signer_name: out_data.signer_name.clone(),
        signer_title: out_data.signer_title.clone(),
        source_document: Some(out.id),
        source_recipient: Some(recipient),
        ..Default::default()
    };
    let sender = sen_store::org::unit_in_tx(db, tx, out.unit_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let row = StoredDocument {
        doc_type: out.doc_type.clone(),
        subject: out.subject.clone(),
        urgency: out.urgency.clone(),
        number_symbol: out.number_symbol.clone(),
        doc_date: out.doc_date.clone(),
        sender_name: Some(sender.clone()),
        received_at: Some(now.to_string()),
        search_text: search_text(&[
            Some(&out.subject),
            out.number_symbol.as_deref(),
            Some(&sender),
        ]),
        data: serde_json::to_string(&data).map_err(|e| AppError::Internal(e.to_string()))?,
        ..blank_document(
            id,
            out.tenant_id,
            unit,
            Direction::Incoming,
            DocStatus::Arrived,
            now.to_string(),
        )
    };
    store::insert_document(tx, &row).await?;
    let meta = insert_file(tx, id, "original", file, tag).await?;
    events::append(
        db,
        tx,
        NewEvent::new(
            tag.to_string(),
            "document.arrived",
            "document",
            Some(id.to_string()),
        )
        .unit(unit)
        .payload(serde_json::json!({
            "direction": "incoming", "from_document": out.id, "from_unit_id": out.unit_id,
            "number_symbol": out.number_symbol, "subject": out.subject,
            "file_sha256": meta.sha256,
        })),
    )
    .await?;
    Ok(id)
}

async fn echo_status(
    tx: &mut sen_store::Tx,
    recipient: Uuid,
    code: &str,
    now: &str,
) -> Result<(), AppError> {
    if let Some(mut r) = store::recipient_in_tx(tx, recipient).await? {
        r.status = code.into();
        r.updated_at = now.into();
        store::update_recipient(tx, &r).await?;
    }
    Ok(())
}
