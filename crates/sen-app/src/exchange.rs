//! Exchange with other platforms (*liên thông văn bản*, LGSP): outgoing
//! documents to agencies outside this Sen become signed edXML messages in
//! the outbox; incoming messages are verified, registered as arrived
//! documents and answered with status messages (01 arrived … 06 done, 13
//! recall, 15 recall accepted).
//!
//! Every message sent or received is kept whole in `exchange_messages`, and
//! its SHA-256 is written in the event that recorded it, so the hash chain
//! proves what was exchanged; [`App::verify_exchange_log`] checks both.
//!
//! An agency's edXML OrganId is its unit code (`H99.03`). Delivery is the
//! outbox's (channel `edxml`): retried with backoff until the peer answers,
//! and received idempotently (a message id is registered once).

use crate::office::{DocData, NewFile};
use crate::{Actor, App, AppError};
use chrono::NaiveDateTime;
use sen_domain::audit::NewEvent;
use sen_domain::office::{Direction, DocStatus, DocType, Urgency};
use sen_edxml as ed;
use sen_store::office::{self as store, ExchangeMessage, Recipient, StoredDocument};
use sen_store::{events, new_id, now_utc, outbox, Db, Tx};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

/// The keys of this platform's exchange: the signing key and certificate
/// of its messages, and the trust anchors for the peers' signatures.
pub struct ExchangeKeys {
    key: rsa::RsaPrivateKey,
    cert_der: Vec<u8>,
    anchors: Vec<Vec<u8>>,
    subject: String,
}

impl std::fmt::Debug for ExchangeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("ExchangeKeys")
            .field("subject", &self.subject)
            .field("anchors", &self.anchors.len())
            .finish()
    }
}

impl ExchangeKeys {
    pub fn from_pem(key_pem: &str, cert_pem: &str, ca_pem: &str) -> Result<ExchangeKeys, AppError> {
        let bad = |what: &str, e: String| AppError::Internal(format!("exchange {what}: {e}"));
        let key = ed::load_pkcs8_pem(key_pem).map_err(|e| bad("key", e.to_string()))?;
        let cert_der =
            ed::load_cert_pem(cert_pem).map_err(|e| bad("certificate", e.to_string()))?;
        let anchors = ed::load_certs_pem(ca_pem).map_err(|e| bad("CA", e.to_string()))?;
        if anchors.is_empty() {
            return Err(bad("CA", "no certificate in the file".into()));
        }
        // Sign something to check that the key and the certificate match.
        let probe = ed::StatusMessage {
            response_for: ed::ResponseFor {
                organ_id: "probe".into(),
                code: "1/probe".into(),
                promulgation_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
                document_id: "probe".into(),
            },
            from: ed::Organization {
                organ_id: "probe".into(),
                organ_name: "probe".into(),
                ..Default::default()
            },
            status_code: ed::StatusCode::Arrived,
            description: None,
            timestamp: NaiveDateTime::default(),
            staff_info: None,
        }
        .to_xml()
        .map_err(|e| bad("probe", e.to_string()))?;
        let signed = ed::sign(&probe, &key, &cert_der)
            .map_err(|e| bad("key and certificate", e.to_string()))?;
        let subject = ed::verify(&signed)
            .map_err(|e| bad("certificate", e.to_string()))?
            .subject;
        Ok(ExchangeKeys {
            key,
            cert_der,
            anchors,
            subject,
        })
    }

    fn sign(&self, xml: &[u8]) -> Result<Vec<u8>, AppError> {
        ed::sign(xml, &self.key, &self.cert_der)
            .map_err(|e| AppError::Internal(format!("edXML signature: {e}")))
    }
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn vn_now() -> NaiveDateTime {
    chrono::Utc::now()
        .with_timezone(&sen_domain::vi::vn_offset())
        .naive_local()
}

/// What the receiving side answers at the transport level.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub kind: &'static str,
    pub message_id: String,
    /// Documents created (or found, on a repeat).
    pub documents: Vec<Uuid>,
    pub duplicate: bool,
}

fn invalid(vi: impl Into<String>, en: impl Into<String>) -> AppError {
    sen_domain::Invalid::new("message", vi, en).into()
}

/// The agency a unit code names, as an edXML organisation.
fn organization(code: &str, name: &str) -> ed::Organization {
    ed::Organization {
        organ_id: code.into(),
        organ_name: name.into(),
        ..Default::default()
    }
}

/// Queues the edXML message of an issued document to one external
/// recipient, inside the issuing transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn send_document(
    db: &Db,
    tx: &mut Tx,
    keys: &ExchangeKeys,
    out: &StoredDocument,
    data: &DocData,
    recipient: &Recipient,
    file: &NewFile,
    place: &str,
    tag: &str,
) -> Result<String, AppError> {
    let issuer = sen_store::org::unit_in_tx(db, tx, out.unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("unit", out.unit_id))?;
    let organ = recipient
        .organ_id
        .clone()
        .ok_or_else(|| AppError::Internal("external recipient without an OrganId".into()))?;
    let ty = DocType::parse(&out.doc_type)?;
    let (number, notation) = out
        .number_symbol
        .as_deref()
        .and_then(|ns| ns.split_once('/'))
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .ok_or_else(|| AppError::Internal("sending a document without a number".into()))?;
    let date = out
        .doc_date
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| AppError::Internal("sending a document without a date".into()))?;
    let now = vn_now();
    let message_id = format!("{},{},{}", issuer.code, date.format("%Y/%m/%d"), new_id());
    let msg = ed::DocumentMessage {
        header: ed::MessageHeader {
            from: organization(&issuer.code, &issuer.name),
            to: vec![organization(&organ, &recipient.name)],
            code: ed::Code {
                code_number: number,
                code_notation: notation,
            },
            promulgation_info: ed::PromulgationInfo {
                place: Some(place.to_string()).filter(|p| !p.is_empty()),
                promulgation_date: date,
            },
            document_type: ed::DocumentType {
                type_code: ty.code().into(),
                type_name: ty.name_vi().into(),
            },
            subject: out.subject.clone(),
            content: None,
            signer_info: ed::SignerInfo {
                competence: data.signer_authority.clone(),
                position: data.signer_title.clone(),
                full_name: data.signer_name.clone().unwrap_or_default(),
            },
            due_date: None,
            to_places: vec![recipient.name.clone()],
            other_info: ed::OtherInfo {
                priority: Urgency::parse(&out.urgency).ok().map(|u| u.priority()),
                ..Default::default()
            },
            response_for: vec![],
            steering_type: None,
            document_id: message_id.clone(),
        },
        trace: vec![ed::TraceHeader {
            organ_id: issuer.code.clone(),
            timestamp: now,
        }],
        attachments: vec![ed::Attachment {
            content_id: "1".into(),
            attachment_name: file.name.clone(),
            description: None,
            content_type: file.content_type.clone(),
            content: file.bytes.clone(),
        }],
    };
    let xml = msg
        .to_xml()
        .map_err(|e| AppError::Internal(format!("edXML: {e}")))?;
    let signed = keys.sign(&xml)?;
    let text = String::from_utf8(signed).map_err(|e| AppError::Internal(e.to_string()))?;
    let row = ExchangeMessage {
        id: new_id(),
        direction: "sent".into(),
        kind: "document".into(),
        message_id: message_id.clone(),
        local_organ_id: issuer.code.clone(),
        peer_organ_id: organ.clone(),
        document_id: Some(out.id),
        recipient_id: Some(recipient.id),
        status_code: None,
        sha256: sha256_hex(text.as_bytes()),
        signer: Some(keys.subject.clone()),
        content: text,
        created_at: now_utc(),
    };
    log_and_queue(db, tx, &row, tag, Some(out.unit_id)).await?;
    Ok(message_id)
}

/// Records a message in the exchange log and the event chain, and queues
/// it for delivery.
async fn log_and_queue(
    db: &Db,
    tx: &mut Tx,
    m: &ExchangeMessage,
    tag: &str,
    unit: Option<Uuid>,
) -> Result<(), AppError> {
    store::insert_exchange(tx, m).await?;
    let mut ev = NewEvent::new(tag, "exchange.sent", "exchange", Some(m.id.to_string())).payload(serde_json::json!({
        "kind": m.kind, "message_id": m.message_id, "to": m.peer_organ_id, "from": m.local_organ_id,
        "document_id": m.document_id, "status_code": m.status_code, "sha256": m.sha256,
    }));
    if let Some(u) = unit {
        ev = ev.unit(u);
    }
    events::append(db, tx, ev).await?;
    outbox::enqueue(
        tx,
        "edxml",
        &m.peer_organ_id,
        &m.message_id,
        &m.content,
        &format!("edxml:{}", m.id),
        &m.created_at,
    )
    .await?;
    Ok(())
}

/// Who a status message answers, and about which message.
struct StatusTo {
    /// The edXML DocumentId of the document message it answers.
    document_id: String,
    /// The OrganId of that document's sender.
    sender: String,
    code_text: String,
    date: chrono::NaiveDate,
    local: String,
    local_name: String,
    peer: String,
}

#[allow(clippy::too_many_arguments)]
async fn queue_status(
    db: &Db,
    tx: &mut Tx,
    keys: &ExchangeKeys,
    to: StatusTo,
    code: ed::StatusCode,
    description: Option<String>,
    doc: &StoredDocument,
    tag: &str,
) -> Result<(), AppError> {
    let msg = ed::StatusMessage {
        response_for: ed::ResponseFor {
            organ_id: to.sender.clone(),
            code: to.code_text.clone(),
            promulgation_date: to.date,
            document_id: to.document_id.clone(),
        },
        from: organization(&to.local, &to.local_name),
        status_code: code,
        description: description.map(|d| d.chars().take(ed::DESCRIPTION_MAX).collect()),
        timestamp: vn_now(),
        staff_info: None,
    };
    let xml = msg
        .to_xml()
        .map_err(|e| AppError::Internal(format!("edXML: {e}")))?;
    let signed = keys.sign(&xml)?;
    let text = String::from_utf8(signed).map_err(|e| AppError::Internal(e.to_string()))?;
    let sha = sha256_hex(text.as_bytes());
    let row = ExchangeMessage {
        id: new_id(),
        direction: "sent".into(),
        kind: "status".into(),
        message_id: format!(
            "{}#{}:{}:{}",
            to.document_id,
            to.local,
            code.code(),
            &sha[..16]
        ),
        local_organ_id: to.local,
        peer_organ_id: to.peer,
        document_id: Some(doc.id),
        recipient_id: None,
        status_code: Some(code.code().into()),
        sha256: sha,
        signer: Some(keys.subject.clone()),
        content: text,
        created_at: now_utc(),
    };
    log_and_queue(db, tx, &row, tag, Some(doc.unit_id)).await
}

fn doc_date(doc: &StoredDocument) -> chrono::NaiveDate {
    doc.doc_date
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_default()
}

/// Queues a status message about a document that came by exchange, to its
/// sender, inside the transaction that changed its status.
pub(crate) async fn send_status(
    db: &Db,
    tx: &mut Tx,
    keys: &ExchangeKeys,
    doc: &StoredDocument,
    code: ed::StatusCode,
    description: Option<String>,
    tag: &str,
) -> Result<(), AppError> {
    let (Some(exchange_id), Some(sender)) = (&doc.exchange_id, &doc.sender_organ_id) else {
        return Ok(());
    };
    let unit = sen_store::org::unit_in_tx(db, tx, doc.unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("unit", doc.unit_id))?;
    let (document_id, local) = exchange_id
        .rsplit_once('#')
        .map(|(d, l)| (d.to_string(), l.to_string()))
        .unwrap_or((exchange_id.clone(), unit.code.clone()));
    let to = StatusTo {
        document_id,
        sender: sender.clone(),
        code_text: doc.number_symbol.clone().unwrap_or_default(),
        date: doc_date(doc),
        local,
        local_name: unit.name,
        peer: sender.clone(),
    };
    queue_status(db, tx, keys, to, code, description, doc, tag).await
}

/// Tells every external recipient of an outgoing document that it is
/// recalled (status 13).
pub(crate) async fn send_recall(
    db: &Db,
    tx: &mut Tx,
    keys: &ExchangeKeys,
    doc: &StoredDocument,
    reason: &str,
    tag: &str,
) -> Result<(), AppError> {
    let unit = sen_store::org::unit_in_tx(db, tx, doc.unit_id)
        .await?
        .ok_or_else(|| AppError::not_found("unit", doc.unit_id))?;
    for m in store::exchange_sent_documents_in_tx(tx, doc.id).await? {
        let to = StatusTo {
            document_id: m.message_id.clone(),
            sender: m.local_organ_id.clone(),
            code_text: doc.number_symbol.clone().unwrap_or_default(),
            date: doc_date(doc),
            local: m.local_organ_id.clone(),
            local_name: unit.name.clone(),
            peer: m.peer_organ_id.clone(),
        };
        queue_status(
            db,
            tx,
            keys,
            to,
            ed::StatusCode::Recall,
            Some(reason.to_string()),
            doc,
            tag,
        )
        .await?;
    }
    Ok(())
}

/// The edXML status an incoming document's new status answers with.
pub(crate) fn status_for(status: DocStatus) -> Option<ed::StatusCode> {
    sen_domain::office::edxml_status_code(status).and_then(ed::StatusCode::from_code)
}

impl App {
    /// This platform's exchange keys, if the exchange is configured.
    pub fn exchange_keys(&self) -> Option<Arc<ExchangeKeys>> {
        self.settings.exchange.clone()
    }

    /// Handles one message delivered by a peer: verifies its signature
    /// against the trust anchors, validates it, and registers it (once).
    pub async fn receive_exchange(&self, xml: &[u8]) -> Result<Receipt, AppError> {
        let keys = self.exchange_keys().ok_or_else(|| {
            AppError::conflict(
                "Trục liên thông chưa được cấu hình",
                "the exchange is not configured",
            )
        })?;
        let (message, signer) = ed::open(xml).map_err(|e| {
            let text = e.to_string();
            invalid(
                format!("Thông điệp không hợp lệ: {text}"),
                format!("invalid message: {text}"),
            )
        })?;
        ed::check_chain(&signer.certificate_der, &[], &keys.anchors, self.now()).map_err(|e| {
            invalid(
                format!("Chữ ký số của thông điệp không được tin cậy: {e}"),
                format!("the message's signer is not trusted: {e}"),
            )
        })?;
        let text = String::from_utf8(xml.to_vec())
            .map_err(|_| invalid("Thông điệp không phải UTF-8", "the message is not UTF-8"))?;
        let sha = sha256_hex(xml);
        match message {
            ed::Message::Document(m) => self.receive_document(m, text, sha, signer.subject).await,
            ed::Message::Status(s) => {
                self.receive_status(s, text, sha, signer.subject, keys)
                    .await
            }
        }
    }

    async fn receive_document(
        &self,
        m: ed::DocumentMessage,
        text: String,
        sha: String,
        signer: String,
    ) -> Result<Receipt, AppError> {
        let keys = self
            .exchange_keys()
            .ok_or_else(|| AppError::Internal("no exchange keys".into()))?;
        // Our addressees: agencies of a province on this platform.
        let mut local = Vec::new();
        for to in &m.header.to {
            for t in sen_store::org::tenants(&self.db).await? {
                if let Some(u) = sen_store::org::unit_by_code(&self.db, t.id, &to.organ_id).await? {
                    if u.status == "active" {
                        local.push(u);
                    }
                }
            }
        }
        if local.is_empty() {
            return Err(invalid(
                "Không có nơi nhận nào của thông điệp thuộc nền tảng này",
                "none of the message's addressees is on this platform",
            ));
        }
        let h = &m.header;
        let doc_type =
            DocType::parse(&h.document_type.type_code).or_else(|_| DocType::parse("cong_van"))?;
        let subject = sen_domain::office::validate_subject(&h.subject)?;
        let number_symbol = format!("{}/{}", h.code.code_number, h.code.code_notation);
        let urgency = Urgency::from_priority(h.other_info.priority.unwrap_or(0));
        let mut files = Vec::new();
        for a in &m.attachments {
            files.push(NewFile {
                name: sen_domain::files::clean_name(&a.attachment_name),
                content_type: a.content_type.clone(),
                bytes: a.content.clone(),
            });
        }
        let data = DocData {
            signer_name: Some(h.signer_info.full_name.clone()).filter(|s| !s.is_empty()),
            signer_title: h.signer_info.position.clone(),
            signer_authority: h.signer_info.competence.clone(),
            ..Default::default()
        };
        let data_json =
            serde_json::to_string(&data).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut documents = Vec::new();
        let mut duplicate = true;
        for unit in local {
            let exchange_id = format!("{}#{}", h.document_id, unit.code);
            let now = now_utc();
            let row = StoredDocument {
                doc_type: doc_type.code().into(),
                subject: subject.clone(),
                urgency: urgency.as_str().into(),
                number_symbol: Some(number_symbol.clone()),
                doc_date: Some(h.promulgation_info.promulgation_date.to_string()),
                sender_name: Some(h.from.organ_name.clone()),
                sender_organ_id: Some(h.from.organ_id.clone()),
                exchange_id: Some(exchange_id.clone()),
                received_at: Some(now.clone()),
                due_date: h.due_date.map(|d| d.to_string()),
                search_text: sen_domain::text::search_key(&format!(
                    "{subject} {number_symbol} {}",
                    h.from.organ_name
                )),
                data: data_json.clone(),
                ..crate::office::blank_document(
                    new_id(),
                    unit.tenant_id,
                    unit.id,
                    Direction::Incoming,
                    DocStatus::Arrived,
                    now.clone(),
                )
            };
            let log = ExchangeMessage {
                id: new_id(),
                direction: "received".into(),
                kind: "document".into(),
                message_id: exchange_id.clone(),
                local_organ_id: unit.code.clone(),
                peer_organ_id: h.from.organ_id.clone(),
                document_id: Some(row.id),
                recipient_id: None,
                status_code: None,
                sha256: sha.clone(),
                signer: Some(signer.clone()),
                content: text.clone(),
                created_at: now,
            };
            let (db, keys2, files2) = (self.db.clone(), keys.clone(), files.clone());
            let id = self
                .db
                .transaction(|tx| {
                    let (db, row, log, keys, files) = (db.clone(), row.clone(), log.clone(), keys2.clone(), files2.clone());
                    Box::pin(async move {
                        if let Some(existing) = store::document_by_exchange_id(&db, tx, &row.exchange_id.clone().unwrap_or_default()).await? {
                            return Ok::<_, AppError>((existing.id, true));
                        }
                        store::insert_document(tx, &row).await?;
                        let mut digests = Vec::new();
                        for f in &files {
                            let meta = crate::office::insert_file_pub(tx, row.id, "original", f, "exchange").await?;
                            digests.push(meta.sha256);
                        }
                        store::insert_exchange(tx, &log).await?;
                        events::append(
                            &db,
                            tx,
                            NewEvent::new("exchange", "document.arrived", "document", Some(row.id.to_string()))
                                .unit(row.unit_id)
                                .payload(serde_json::json!({
                                    "direction": "incoming", "exchange": log.id, "message_id": log.message_id,
                                    "from_organ": row.sender_organ_id, "number_symbol": row.number_symbol,
                                    "subject": row.subject, "sha256": log.sha256, "files_sha256": digests,
                                })),
                        )
                        .await?;
                        events::append(
                            &db,
                            tx,
                            NewEvent::new("exchange", "exchange.received", "exchange", Some(log.id.to_string()))
                                .unit(row.unit_id)
                                .payload(serde_json::json!({
                                    "kind": "document", "message_id": log.message_id, "from": log.peer_organ_id,
                                    "to": log.local_organ_id, "document_id": row.id, "sha256": log.sha256,
                                    "signer": log.signer,
                                })),
                        )
                        .await?;
                        send_status(&db, tx, &keys, &row, ed::StatusCode::Arrived, None, "exchange").await?;
                        Ok((row.id, false))
                    })
                })
                .await?;
            duplicate &= id.1;
            documents.push(id.0);
        }
        Ok(Receipt {
            kind: "document",
            message_id: h.document_id.clone(),
            documents,
            duplicate,
        })
    }

    async fn receive_status(
        &self,
        s: ed::StatusMessage,
        text: String,
        sha: String,
        signer: String,
        keys: Arc<ExchangeKeys>,
    ) -> Result<Receipt, AppError> {
        let doc_id = s.response_for.document_id.clone();
        let code = s.status_code;
        let from = s.from.organ_id.clone();
        let message_id = format!("{doc_id}#{from}:{}:{}", code.code(), &sha[..16]);
        let db = self.db.clone();
        let system = Actor::System;
        let tag = system.tag();
        let outcome = self
            .db
            .transaction(|tx| {
                let (db, text, sha, signer, message_id, doc_id, from, keys, tag) =
                    (db.clone(), text.clone(), sha.clone(), signer.clone(), message_id.clone(), doc_id.clone(), from.clone(), keys.clone(), tag.clone());
                let description = s.description.clone();
                Box::pin(async move {
                    // About a document we sent: the recipient's progress. Or
                    // about documents we received: the sender recalls them.
                    let sent = store::exchange_in_tx(tx, "sent", &doc_id).await?;
                    let received = store::exchange_received_for(tx, &doc_id).await?;
                    let (document, recipient, local) = match (&sent, received.first()) {
                        (Some(m), _) => (m.document_id, m.recipient_id, m.local_organ_id.clone()),
                        (None, Some(m)) => (m.document_id, None, m.local_organ_id.clone()),
                        (None, None) => {
                            return Err(invalid(
                                format!("Không tìm thấy văn bản «{doc_id}» mà trạng thái này nói đến"),
                                format!("no document «{doc_id}» for this status"),
                            ))
                        }
                    };
                    let log = ExchangeMessage {
                        id: new_id(),
                        direction: "received".into(),
                        kind: "status".into(),
                        message_id: message_id.clone(),
                        local_organ_id: local,
                        peer_organ_id: from.clone(),
                        document_id: document,
                        recipient_id: recipient,
                        status_code: Some(code.code().into()),
                        sha256: sha.clone(),
                        signer: Some(signer),
                        content: text,
                        created_at: now_utc(),
                    };
                    if !store::insert_exchange(tx, &log).await? {
                        return Ok::<_, AppError>((document, true));
                    }
                    let doc = match (&sent, document) {
                        (Some(_), Some(d)) => store::document_in_tx(&db, tx, d).await?,
                        _ => None,
                    };
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag.clone(), "exchange.received", "exchange", Some(log.id.to_string())).payload(serde_json::json!({
                            "kind": "status", "message_id": log.message_id, "from": from, "status_code": code.code(),
                            "document_id": document, "sha256": log.sha256,
                        })),
                    )
                    .await?;
                    if let (Some(rid), Some(doc)) = (recipient, &doc) {
                        if let Some(mut r) = store::recipient_in_tx(tx, rid).await? {
                            r.status = code.code().into();
                            r.updated_at = now_utc();
                            store::update_recipient(tx, &r).await?;
                        }
                        events::append(
                            &db,
                            tx,
                            NewEvent::new(tag.clone(), "document.status", "document", Some(doc.id.to_string()))
                                .unit(doc.unit_id)
                                .payload(serde_json::json!({
                                    "from_organ": from, "status_code": code.code(), "description": description,
                                })),
                        )
                        .await?;
                    }
                    let recalled: Vec<Uuid> = if sent.is_none() && code == ed::StatusCode::Recall {
                        received.iter().filter_map(|m| m.document_id).collect()
                    } else {
                        Vec::new()
                    };
                    for d in recalled {
                        let Some(mut doc) = store::document_in_tx(&db, tx, d).await? else {
                            continue;
                        };
                        // The sender withdraws a document it sent us.
                        let st = DocStatus::parse(&doc.status)?;
                        if let Ok(to) = sen_domain::office::transition(st, sen_domain::office::DocActionKind::Recall) {
                            doc.status = to.as_str().into();
                            doc.updated_at = now_utc();
                            store::update_document(tx, &doc).await?;
                            events::append(
                                &db,
                                tx,
                                NewEvent::new(tag.clone(), "document.recall", "document", Some(doc.id.to_string()))
                                    .unit(doc.unit_id)
                                    .payload(serde_json::json!({
                                        "from": st.as_str(), "to": to.as_str(), "reason": description, "by_sender": from,
                                    })),
                            )
                            .await?;
                            send_status(&db, tx, &keys, &doc, ed::StatusCode::RecallAccepted, None, &tag).await?;
                        } else {
                            send_status(&db, tx, &keys, &doc, ed::StatusCode::RecallRefused, Some("Văn bản đã xử lý xong".into()), &tag).await?;
                        }
                    }
                    Ok((document, false))
                })
            })
            .await?;
        Ok(Receipt {
            kind: "status",
            message_id,
            documents: outcome.0.into_iter().collect(),
            duplicate: outcome.1,
        })
    }

    /// Checks the exchange log: each stored message still has the digest
    /// its event recorded, and its XML signature still verifies.
    pub async fn verify_exchange_log(&self) -> Result<ExchangeVerification, AppError> {
        let mut report = ExchangeVerification::default();
        let mut after: Option<String> = None;
        loop {
            let batch = store::exchange_log(&self.db, after.as_deref(), 1000).await?;
            if batch.is_empty() {
                break;
            }
            for m in &batch {
                report.checked += 1;
                let digest = sha256_hex(m.content.as_bytes());
                let evs = events::list(
                    &self.db,
                    &events::EventFilter {
                        object_type: Some("exchange".into()),
                        object_id: Some(m.id.to_string()),
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await?;
                let recorded = evs.iter().any(|e| {
                    serde_json::from_str::<serde_json::Value>(&e.payload)
                        .ok()
                        .and_then(|p| {
                            p.get("sha256")
                                .and_then(|v| v.as_str())
                                .map(|s| s == digest)
                        })
                        .unwrap_or(false)
                });
                if digest != m.sha256 || !recorded {
                    report.problems.push(format!(
                        "{} {}: content does not match its recorded digest",
                        m.direction, m.message_id
                    ));
                } else if let Err(e) = ed::verify(m.content.as_bytes()) {
                    report
                        .problems
                        .push(format!("{} {}: signature: {e}", m.direction, m.message_id));
                }
            }
            after = batch.last().map(|m| m.created_at.clone());
            if batch.len() < 1000 {
                break;
            }
        }
        Ok(report)
    }

    /// The exchange messages about a document (for its page).
    pub async fn document_exchange(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<Vec<ExchangeMessage>, AppError> {
        self.document(actor, id).await?;
        Ok(store::exchange_of_document(&self.db, id).await?)
    }
}

/// What [`App::verify_exchange_log`] found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExchangeVerification {
    pub checked: u64,
    pub problems: Vec<String>,
}
