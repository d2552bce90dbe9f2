//! E-office storage: registers, documents (projection rows of their
//! events), draft versions, files and recipients.

use crate::db::{get_i64, get_opt_str, get_opt_uuid, get_str, get_uuid, Db, Tx};
use crate::error::StoreError;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Register {
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// The unit whose clerks keep it.
    pub unit_id: Uuid,
    /// The agency in whose name its documents are numbered.
    pub issuer_unit_id: Uuid,
    pub direction: String,
    pub name: String,
    /// Document type codes; empty = every type.
    pub doc_types: Vec<String>,
    pub status: String,
    pub created_at: String,
}

const REG_COLS: &str =
    "id, tenant_id, unit_id, issuer_unit_id, direction, name, doc_types, status, created_at";

fn register_from_row(r: &AnyRow) -> Result<Register, StoreError> {
    let types: String = get_str(r, "doc_types")?;
    Ok(Register {
        id: get_uuid(r, "id")?,
        tenant_id: get_uuid(r, "tenant_id")?,
        unit_id: get_uuid(r, "unit_id")?,
        issuer_unit_id: get_uuid(r, "issuer_unit_id")?,
        direction: get_str(r, "direction")?,
        name: get_str(r, "name")?,
        doc_types: serde_json::from_str(&types).map_err(|e| StoreError::Corrupt {
            table: "registers",
            detail: format!("doc_types: {e}"),
        })?,
        status: get_str(r, "status")?,
        created_at: get_str(r, "created_at")?,
    })
}

pub async fn insert_register(tx: &mut Tx, r: &Register) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO registers ({REG_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(r.id.to_string())
    .bind(r.tenant_id.to_string())
    .bind(r.unit_id.to_string())
    .bind(r.issuer_unit_id.to_string())
    .bind(&r.direction)
    .bind(&r.name)
    .bind(serde_json::Value::from(r.doc_types.clone()).to_string())
    .bind(&r.status)
    .bind(&r.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn register_by_id(db: &Db, id: Uuid) -> Result<Option<Register>, StoreError> {
    let row = sqlx::query(&format!("SELECT {REG_COLS} FROM registers WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(register_from_row).transpose()
}

/// Active registers of a tenant, optionally only those kept by `unit`.
pub async fn registers(
    db: &Db,
    tenant: Uuid,
    unit: Option<Uuid>,
) -> Result<Vec<Register>, StoreError> {
    let rows = match unit {
        Some(u) => {
            sqlx::query(&format!(
                "SELECT {REG_COLS} FROM registers WHERE tenant_id = $1 AND unit_id = $2 AND status = 'active' ORDER BY direction, name"
            ))
            .bind(tenant.to_string())
            .bind(u.to_string())
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {REG_COLS} FROM registers WHERE tenant_id = $1 AND status = 'active' ORDER BY direction, name"
            ))
            .bind(tenant.to_string())
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(register_from_row).collect()
}

// ---------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDocument {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub unit_id: Uuid,
    pub direction: String,
    pub status: String,
    pub doc_type: String,
    pub subject: String,
    pub urgency: String,
    pub register_id: Option<Uuid>,
    pub reg_year: Option<i64>,
    pub reg_number: Option<i64>,
    pub number_symbol: Option<String>,
    pub doc_date: Option<String>,
    pub sender_name: Option<String>,
    pub sender_organ_id: Option<String>,
    pub exchange_id: Option<String>,
    pub received_at: Option<String>,
    pub handler_unit_id: Option<Uuid>,
    pub handler_account_id: Option<Uuid>,
    pub holder_account_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub drafting_unit_id: Option<Uuid>,
    pub signer_id: Option<Uuid>,
    pub due_date: Option<String>,
    pub issued_at: Option<String>,
    pub responds_to: Option<Uuid>,
    pub dossier_id: Option<Uuid>,
    pub search_text: String,
    /// JSON object with the remaining fields.
    pub data: String,
    pub created_at: String,
    pub updated_at: String,
}

const DOC_COLS: &str = "id, tenant_id, unit_id, direction, status, doc_type, subject, urgency, register_id, \
    reg_year, reg_number, number_symbol, doc_date, sender_name, sender_organ_id, exchange_id, received_at, \
    handler_unit_id, handler_account_id, holder_account_id, author_id, drafting_unit_id, signer_id, due_date, \
    issued_at, responds_to, dossier_id, search_text, data, created_at, updated_at";

fn doc_from_row(r: &AnyRow) -> Result<StoredDocument, StoreError> {
    Ok(StoredDocument {
        id: get_uuid(r, "id")?,
        tenant_id: get_uuid(r, "tenant_id")?,
        unit_id: get_uuid(r, "unit_id")?,
        direction: get_str(r, "direction")?,
        status: get_str(r, "status")?,
        doc_type: get_str(r, "doc_type")?,
        subject: get_str(r, "subject")?,
        urgency: get_str(r, "urgency")?,
        register_id: get_opt_uuid(r, "register_id")?,
        reg_year: r.try_get::<Option<i64>, _>("reg_year")?,
        reg_number: r.try_get::<Option<i64>, _>("reg_number")?,
        number_symbol: get_opt_str(r, "number_symbol")?,
        doc_date: get_opt_str(r, "doc_date")?,
        sender_name: get_opt_str(r, "sender_name")?,
        sender_organ_id: get_opt_str(r, "sender_organ_id")?,
        exchange_id: get_opt_str(r, "exchange_id")?,
        received_at: get_opt_str(r, "received_at")?,
        handler_unit_id: get_opt_uuid(r, "handler_unit_id")?,
        handler_account_id: get_opt_uuid(r, "handler_account_id")?,
        holder_account_id: get_opt_uuid(r, "holder_account_id")?,
        author_id: get_opt_uuid(r, "author_id")?,
        drafting_unit_id: get_opt_uuid(r, "drafting_unit_id")?,
        signer_id: get_opt_uuid(r, "signer_id")?,
        due_date: get_opt_str(r, "due_date")?,
        issued_at: get_opt_str(r, "issued_at")?,
        responds_to: get_opt_uuid(r, "responds_to")?,
        dossier_id: get_opt_uuid(r, "dossier_id")?,
        search_text: get_str(r, "search_text")?,
        data: get_str(r, "data")?,
        created_at: get_str(r, "created_at")?,
        updated_at: get_str(r, "updated_at")?,
    })
}

fn opt(u: Option<Uuid>) -> Option<String> {
    u.map(|u| u.to_string())
}

pub async fn insert_document(tx: &mut Tx, d: &StoredDocument) -> Result<(), StoreError> {
    let ph: Vec<String> = (1..=31).map(|i| format!("${i}")).collect();
    sqlx::query(&format!(
        "INSERT INTO documents ({DOC_COLS}) VALUES ({})",
        ph.join(", ")
    ))
    .bind(d.id.to_string())
    .bind(d.tenant_id.to_string())
    .bind(d.unit_id.to_string())
    .bind(&d.direction)
    .bind(&d.status)
    .bind(&d.doc_type)
    .bind(&d.subject)
    .bind(&d.urgency)
    .bind(opt(d.register_id))
    .bind(d.reg_year)
    .bind(d.reg_number)
    .bind(&d.number_symbol)
    .bind(&d.doc_date)
    .bind(&d.sender_name)
    .bind(&d.sender_organ_id)
    .bind(&d.exchange_id)
    .bind(&d.received_at)
    .bind(opt(d.handler_unit_id))
    .bind(opt(d.handler_account_id))
    .bind(opt(d.holder_account_id))
    .bind(opt(d.author_id))
    .bind(opt(d.drafting_unit_id))
    .bind(opt(d.signer_id))
    .bind(&d.due_date)
    .bind(&d.issued_at)
    .bind(opt(d.responds_to))
    .bind(opt(d.dossier_id))
    .bind(&d.search_text)
    .bind(&d.data)
    .bind(&d.created_at)
    .bind(&d.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Rewrites the mutable part of the projection.
pub async fn update_document(tx: &mut Tx, d: &StoredDocument) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE documents SET status = $1, doc_type = $2, subject = $3, urgency = $4, register_id = $5,
         reg_year = $6, reg_number = $7, number_symbol = $8, doc_date = $9, received_at = $10,
         handler_unit_id = $11, handler_account_id = $12, holder_account_id = $13, signer_id = $14,
         due_date = $15, issued_at = $16, responds_to = $17, search_text = $18, data = $19, updated_at = $20,
         dossier_id = $22
         WHERE id = $21",
    )
    .bind(&d.status)
    .bind(&d.doc_type)
    .bind(&d.subject)
    .bind(&d.urgency)
    .bind(opt(d.register_id))
    .bind(d.reg_year)
    .bind(d.reg_number)
    .bind(&d.number_symbol)
    .bind(&d.doc_date)
    .bind(&d.received_at)
    .bind(opt(d.handler_unit_id))
    .bind(opt(d.handler_account_id))
    .bind(opt(d.holder_account_id))
    .bind(opt(d.signer_id))
    .bind(&d.due_date)
    .bind(&d.issued_at)
    .bind(opt(d.responds_to))
    .bind(&d.search_text)
    .bind(&d.data)
    .bind(&d.updated_at)
    .bind(d.id.to_string())
    .bind(opt(d.dossier_id))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The documents drafted in answer to `document`.
pub async fn answers(db: &Db, document: Uuid) -> Result<Vec<StoredDocument>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {DOC_COLS} FROM documents WHERE responds_to = $1 ORDER BY created_at, id"
    ))
    .bind(document.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(doc_from_row).collect()
}

/// The row, locked for the rest of the transaction.
pub async fn document_in_tx(
    db: &Db,
    tx: &mut Tx,
    id: Uuid,
) -> Result<Option<StoredDocument>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {DOC_COLS} FROM documents WHERE id = $1{}",
        db.backend().for_update()
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(doc_from_row).transpose()
}

pub async fn document(db: &Db, id: Uuid) -> Result<Option<StoredDocument>, StoreError> {
    let row = sqlx::query(&format!("SELECT {DOC_COLS} FROM documents WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(doc_from_row).transpose()
}

/// The incoming document an exchange message created, if any (idempotent
/// receipt).
pub async fn document_by_exchange_id(
    db: &Db,
    tx: &mut Tx,
    exchange_id: &str,
) -> Result<Option<StoredDocument>, StoreError> {
    let _ = db;
    let row = sqlx::query(&format!(
        "SELECT {DOC_COLS} FROM documents WHERE exchange_id = $1"
    ))
    .bind(exchange_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(doc_from_row).transpose()
}

/// Filters for document lists; every set filter must hold. `anyone_of`
/// matches documents where any of the listed columns points at one of the
/// listed ids (a person's "my documents": holder, handler or author).
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    pub units: Vec<Uuid>,
    pub handler_units: Vec<Uuid>,
    pub direction: Option<String>,
    pub statuses: Vec<String>,
    pub involving: Option<Uuid>,
    pub register_id: Option<Uuid>,
    pub year: Option<i64>,
    /// Accent-folded words that must all occur in the search text.
    pub words: Vec<String>,
    pub limit: i64,
}

/// Documents matching the filter: newest first.
pub async fn documents(
    db: &Db,
    tenant: Uuid,
    f: &DocumentFilter,
) -> Result<Vec<StoredDocument>, StoreError> {
    let mut sql = format!("SELECT {DOC_COLS} FROM documents WHERE tenant_id = $1");
    let mut binds = vec![tenant.to_string()];
    fn push_in(sql: &mut String, col: &str, vals: Vec<String>, binds: &mut Vec<String>) {
        let start = binds.len();
        let ph: Vec<String> = (0..vals.len())
            .map(|i| format!("${}", start + i + 1))
            .collect();
        sql.push_str(&format!(" AND {col} IN ({})", ph.join(", ")));
        binds.extend(vals);
    }
    let ids = |v: &[Uuid]| v.iter().map(|u| u.to_string()).collect::<Vec<_>>();
    match (f.units.is_empty(), f.handler_units.is_empty()) {
        (false, true) => push_in(&mut sql, "unit_id", ids(&f.units), &mut binds),
        (true, false) => push_in(
            &mut sql,
            "handler_unit_id",
            ids(&f.handler_units),
            &mut binds,
        ),
        (false, false) => {
            // Either the agency's documents or those handled by the units.
            let start = binds.len();
            let a: Vec<String> = (0..f.units.len())
                .map(|i| format!("${}", start + i + 1))
                .collect();
            binds.extend(ids(&f.units));
            let start = binds.len();
            let b: Vec<String> = (0..f.handler_units.len())
                .map(|i| format!("${}", start + i + 1))
                .collect();
            binds.extend(ids(&f.handler_units));
            sql.push_str(&format!(
                " AND (unit_id IN ({}) OR handler_unit_id IN ({}))",
                a.join(", "),
                b.join(", ")
            ));
        }
        (true, true) => {}
    }
    if let Some(d) = &f.direction {
        binds.push(d.clone());
        sql.push_str(&format!(" AND direction = ${}", binds.len()));
    }
    if !f.statuses.is_empty() {
        push_in(&mut sql, "status", f.statuses.clone(), &mut binds);
    }
    if let Some(p) = f.involving {
        binds.push(p.to_string());
        let n = binds.len();
        sql.push_str(&format!(
            " AND (holder_account_id = ${n} OR handler_account_id = ${n} OR author_id = ${n})"
        ));
    }
    if let Some(r) = f.register_id {
        binds.push(r.to_string());
        sql.push_str(&format!(" AND register_id = ${}", binds.len()));
    }
    if let Some(y) = f.year {
        binds.push(y.to_string());
        sql.push_str(&format!(" AND CAST(reg_year AS TEXT) = ${}", binds.len()));
    }
    for w in &f.words {
        // The words are folded to [a-z0-9] by the caller; LIKE's wildcards
        // cannot appear in them.
        binds.push(format!("%{w}%"));
        sql.push_str(&format!(" AND search_text LIKE ${}", binds.len()));
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, id DESC LIMIT {}",
        f.limit.clamp(1, 1000)
    ));
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter().map(doc_from_row).collect()
}

/// Documents in a register for a year, in number order (the register book).
pub async fn register_book(
    db: &Db,
    register: Uuid,
    year: i64,
) -> Result<Vec<StoredDocument>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {DOC_COLS} FROM documents WHERE register_id = $1 AND reg_year = $2 ORDER BY reg_number"
    ))
    .bind(register.to_string())
    .bind(year)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(doc_from_row).collect()
}

// ---------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub id: Uuid,
    pub document_id: Uuid,
    pub version: i64,
    pub body: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

pub async fn insert_version(tx: &mut Tx, v: &Version) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO document_versions (id, document_id, version, body, note, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(v.id.to_string())
    .bind(v.document_id.to_string())
    .bind(v.version)
    .bind(&v.body)
    .bind(&v.note)
    .bind(&v.created_by)
    .bind(&v.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn version_from_row(r: &AnyRow) -> Result<Version, StoreError> {
    Ok(Version {
        id: get_uuid(r, "id")?,
        document_id: get_uuid(r, "document_id")?,
        version: get_i64(r, "version")?,
        body: get_str(r, "body")?,
        note: get_opt_str(r, "note")?,
        created_by: get_str(r, "created_by")?,
        created_at: get_str(r, "created_at")?,
    })
}

/// Every version, oldest first.
pub async fn versions(db: &Db, document: Uuid) -> Result<Vec<Version>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, document_id, version, body, note, created_by, created_at
         FROM document_versions WHERE document_id = $1 ORDER BY version",
    )
    .bind(document.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(version_from_row).collect()
}

/// The latest version's number inside a transaction (0 when none).
pub async fn latest_version_in_tx(tx: &mut Tx, document: Uuid) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) AS v FROM document_versions WHERE document_id = $1",
    )
    .bind(document.to_string())
    .fetch_one(&mut **tx)
    .await?;
    get_i64(&row, "v")
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentFile {
    pub id: Uuid,
    pub document_id: Uuid,
    /// `original` (scan or received file), `issued` (the rendered PDF),
    /// `signed` (with its signatures), `attachment`.
    pub role: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_by: String,
    pub created_at: String,
}

const FILE_COLS: &str =
    "id, document_id, role, name, content_type, size, sha256, created_by, created_at";

fn file_from_row(r: &AnyRow) -> Result<DocumentFile, StoreError> {
    Ok(DocumentFile {
        id: get_uuid(r, "id")?,
        document_id: get_uuid(r, "document_id")?,
        role: get_str(r, "role")?,
        name: get_str(r, "name")?,
        content_type: get_str(r, "content_type")?,
        size: get_i64(r, "size")?,
        sha256: get_str(r, "sha256")?,
        created_by: get_str(r, "created_by")?,
        created_at: get_str(r, "created_at")?,
    })
}

pub async fn insert_file(tx: &mut Tx, f: &DocumentFile, content: &[u8]) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO document_files ({FILE_COLS}, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(f.id.to_string())
    .bind(f.document_id.to_string())
    .bind(&f.role)
    .bind(&f.name)
    .bind(&f.content_type)
    .bind(f.size)
    .bind(&f.sha256)
    .bind(&f.created_by)
    .bind(&f.created_at)
    .bind(content.to_vec())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn files(db: &Db, document: Uuid) -> Result<Vec<DocumentFile>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {FILE_COLS} FROM document_files WHERE document_id = $1 ORDER BY created_at, id"
    ))
    .bind(document.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(file_from_row).collect()
}

/// A file with its bytes.
pub async fn file(db: &Db, id: Uuid) -> Result<Option<(DocumentFile, Vec<u8>)>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {FILE_COLS}, content FROM document_files WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(r) => {
            let content: Vec<u8> = r.try_get("content")?;
            Ok(Some((file_from_row(&r)?, content)))
        }
        None => Ok(None),
    }
}

// ---------------------------------------------------------------------------
// Recipients
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    pub id: Uuid,
    pub document_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub organ_id: Option<String>,
    pub name: String,
    /// `pending`, `sent`, or the last edXML status code heard back.
    pub status: String,
    pub delivered_document_id: Option<Uuid>,
    pub updated_at: String,
}

const RCPT_COLS: &str =
    "id, document_id, unit_id, organ_id, name, status, delivered_document_id, updated_at";

fn recipient_from_row(r: &AnyRow) -> Result<Recipient, StoreError> {
    Ok(Recipient {
        id: get_uuid(r, "id")?,
        document_id: get_uuid(r, "document_id")?,
        unit_id: get_opt_uuid(r, "unit_id")?,
        organ_id: get_opt_str(r, "organ_id")?,
        name: get_str(r, "name")?,
        status: get_str(r, "status")?,
        delivered_document_id: get_opt_uuid(r, "delivered_document_id")?,
        updated_at: get_str(r, "updated_at")?,
    })
}

pub async fn insert_recipient(tx: &mut Tx, r: &Recipient) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO document_recipients ({RCPT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(r.id.to_string())
    .bind(r.document_id.to_string())
    .bind(opt(r.unit_id))
    .bind(&r.organ_id)
    .bind(&r.name)
    .bind(&r.status)
    .bind(opt(r.delivered_document_id))
    .bind(&r.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn update_recipient(tx: &mut Tx, r: &Recipient) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE document_recipients SET status = $1, delivered_document_id = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(&r.status)
    .bind(opt(r.delivered_document_id))
    .bind(&r.updated_at)
    .bind(r.id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn recipients(db: &Db, document: Uuid) -> Result<Vec<Recipient>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {RCPT_COLS} FROM document_recipients WHERE document_id = $1 ORDER BY name, id"
    ))
    .bind(document.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(recipient_from_row).collect()
}

pub async fn recipients_in_tx(tx: &mut Tx, document: Uuid) -> Result<Vec<Recipient>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {RCPT_COLS} FROM document_recipients WHERE document_id = $1 ORDER BY name, id"
    ))
    .bind(document.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(recipient_from_row).collect()
}

pub async fn recipient_in_tx(tx: &mut Tx, id: Uuid) -> Result<Option<Recipient>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {RCPT_COLS} FROM document_recipients WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(recipient_from_row).transpose()
}

// ---------------------------------------------------------------------------
// Exchange log
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeMessage {
    pub id: Uuid,
    /// `sent` or `received`.
    pub direction: String,
    /// `document` or `status`.
    pub kind: String,
    pub message_id: String,
    pub local_organ_id: String,
    pub peer_organ_id: String,
    pub document_id: Option<Uuid>,
    pub recipient_id: Option<Uuid>,
    pub status_code: Option<String>,
    pub sha256: String,
    pub signer: Option<String>,
    #[serde(skip)]
    pub content: String,
    pub created_at: String,
}

const EX_COLS: &str =
    "id, direction, kind, message_id, local_organ_id, peer_organ_id, document_id, \
    recipient_id, status_code, sha256, signer, content, created_at";

fn exchange_from_row(r: &AnyRow) -> Result<ExchangeMessage, StoreError> {
    Ok(ExchangeMessage {
        id: get_uuid(r, "id")?,
        direction: get_str(r, "direction")?,
        kind: get_str(r, "kind")?,
        message_id: get_str(r, "message_id")?,
        local_organ_id: get_str(r, "local_organ_id")?,
        peer_organ_id: get_str(r, "peer_organ_id")?,
        document_id: get_opt_uuid(r, "document_id")?,
        recipient_id: get_opt_uuid(r, "recipient_id")?,
        status_code: get_opt_str(r, "status_code")?,
        sha256: get_str(r, "sha256")?,
        signer: get_opt_str(r, "signer")?,
        content: get_str(r, "content")?,
        created_at: get_str(r, "created_at")?,
    })
}

/// Records a message; `false` when the same (direction, message id) is
/// already there (an idempotent repeat).
pub async fn insert_exchange(tx: &mut Tx, m: &ExchangeMessage) -> Result<bool, StoreError> {
    let done = sqlx::query(&format!(
        "INSERT INTO exchange_messages ({EX_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (direction, message_id) DO NOTHING"
    ))
    .bind(m.id.to_string())
    .bind(&m.direction)
    .bind(&m.kind)
    .bind(&m.message_id)
    .bind(&m.local_organ_id)
    .bind(&m.peer_organ_id)
    .bind(opt(m.document_id))
    .bind(opt(m.recipient_id))
    .bind(&m.status_code)
    .bind(&m.sha256)
    .bind(&m.signer)
    .bind(&m.content)
    .bind(&m.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A message by direction and id, inside a transaction.
pub async fn exchange_in_tx(
    tx: &mut Tx,
    direction: &str,
    message_id: &str,
) -> Result<Option<ExchangeMessage>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {EX_COLS} FROM exchange_messages WHERE direction = $1 AND message_id = $2"
    ))
    .bind(direction)
    .bind(message_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(exchange_from_row).transpose()
}

/// Every message, oldest first (for the log and its verification).
pub async fn exchange_log(
    db: &Db,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ExchangeMessage>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EX_COLS} FROM exchange_messages WHERE created_at > $1 ORDER BY created_at, id LIMIT $2"
    ))
    .bind(after.unwrap_or(""))
    .bind(limit.clamp(1, 10_000))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(exchange_from_row).collect()
}

/// The messages about one document.
pub async fn exchange_of_document(
    db: &Db,
    document: Uuid,
) -> Result<Vec<ExchangeMessage>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EX_COLS} FROM exchange_messages WHERE document_id = $1 ORDER BY created_at, id"
    ))
    .bind(document.to_string())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(exchange_from_row).collect()
}

/// The received document messages with edXML DocumentId `document_id` (one
/// per local addressee: their ids are `<DocumentId>#<OrganId>`).
pub async fn exchange_received_for(
    tx: &mut Tx,
    document_id: &str,
) -> Result<Vec<ExchangeMessage>, StoreError> {
    let prefix = format!("{document_id}#");
    let rows = sqlx::query(&format!(
        "SELECT {EX_COLS} FROM exchange_messages WHERE direction = 'received' AND kind = 'document'
         AND substr(message_id, 1, CAST($1 AS INTEGER)) = $2 ORDER BY created_at, id"
    ))
    .bind(prefix.chars().count() as i64)
    .bind(&prefix)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(exchange_from_row).collect()
}

/// The document messages sent about an outgoing document.
pub async fn exchange_sent_documents_in_tx(
    tx: &mut Tx,
    document: Uuid,
) -> Result<Vec<ExchangeMessage>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {EX_COLS} FROM exchange_messages WHERE direction = 'sent' AND kind = 'document'
         AND document_id = $1 ORDER BY created_at, id"
    ))
    .bind(document.to_string())
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(exchange_from_row).collect()
}

/// Issued documents not yet sealed and sent (their data says so).
pub async fn dispatch_pending(db: &Db) -> Result<Vec<Uuid>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM documents WHERE direction = 'outgoing' AND status = 'issued'
         AND data LIKE '%\"dispatch_pending\":true%' ORDER BY issued_at LIMIT 1000",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| get_uuid(r, "id")).collect()
}
