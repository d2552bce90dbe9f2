//! Organisation use cases: the province and its tree of units.

use crate::{Actor, App, AppError};
use sen_domain::access::Permission;
use sen_domain::audit::NewEvent;
use sen_domain::org::{self as rules, UnitKind};
use sen_store::org::{self as store, Tenant, Unit};
use sen_store::{events, new_id, now_utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize)]
pub struct NewUnit {
    pub parent_id: Uuid,
    pub code: String,
    pub abbreviation: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UnitChange {
    pub name: Option<String>,
    pub abbreviation: Option<String>,
    pub code: Option<String>,
}

fn duplicate_code(code: &str) -> AppError {
    AppError::conflict(
        format!("Mã định danh «{code}» đã được dùng cho một đơn vị khác trong tỉnh"),
        format!("identifier code «{code}» is already used by another unit of the province"),
    )
}

fn map_unique(code: &str) -> impl Fn(sen_store::StoreError) -> AppError + '_ {
    move |e| {
        if e.is_unique_violation() {
            duplicate_code(code)
        } else {
            AppError::Store(e)
        }
    }
}

impl App {
    /// Creates a province (tenant) with its People's Committee as the root
    /// unit. Only the operator does this (`sen demo`, first setup).
    pub async fn create_province(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
        root_abbreviation: &str,
        root_name: &str,
    ) -> Result<(Tenant, Unit), AppError> {
        if !matches!(actor, Actor::Operator) {
            return Err(AppError::Forbidden(Permission::UnitManage));
        }
        let code = rules::validate_code(code)?;
        let name = rules::validate_name(name)?;
        let abbr = rules::validate_abbreviation(root_abbreviation)?;
        let root_name = rules::validate_name(root_name)?;
        let tenant = Tenant {
            id: new_id(),
            code: code.clone(),
            name,
        };
        let now = now_utc();
        let root = Unit {
            id: new_id(),
            tenant_id: tenant.id,
            parent_id: None,
            code: code.clone(),
            abbreviation: abbr,
            name: root_name,
            kind: UnitKind::ProvincialCommittee.as_str().into(),
            status: "active".into(),
            merged_into: None,
            created_at: now.clone(),
            updated_at: now,
        };
        let (t2, r2) = (tenant.clone(), root.clone());
        let tag = actor.tag();
        self.db
            .reference_transaction(|tx| {
                let (t, r, db, tag) = (t2.clone(), r2.clone(), self.db.clone(), tag.clone());
                Box::pin(async move {
                    store::insert_tenant(tx, &t).await.map_err(|e| {
                        if e.is_unique_violation() {
                            AppError::conflict(
                                format!("Tỉnh có mã «{}» đã tồn tại", t.code),
                                format!("a province with code «{}» already exists", t.code),
                            )
                        } else {
                            e.into()
                        }
                    })?;
                    store::insert_unit(tx, &r).await.map_err(map_unique(&r.code))?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "province.created", "tenant", Some(t.id.to_string()))
                            .unit(r.id)
                            .payload(json!({"code": t.code, "name": t.name, "root_unit": r.id, "root_name": r.name})),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok((tenant, root))
    }

    pub async fn unit(&self, actor: &Actor, id: Uuid) -> Result<Unit, AppError> {
        let unit = store::unit(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("unit", id))?;
        self.require(actor, Permission::UnitRead, id).await?;
        Ok(unit)
    }

    /// The units of the actor's province, optionally filtered by an
    /// accent-insensitive search on name or code.
    pub async fn units(
        &self,
        actor: &Actor,
        tenant: Uuid,
        search: Option<&str>,
    ) -> Result<Vec<Unit>, AppError> {
        self.require_somewhere(actor, Permission::UnitRead)?;
        if let Actor::Staff { tenant_id, .. } = actor {
            if *tenant_id != tenant {
                return Err(AppError::Forbidden(Permission::UnitRead));
            }
        }
        Ok(store::units(&self.db, tenant, search).await?)
    }

    pub async fn create_unit(&self, actor: &Actor, input: NewUnit) -> Result<Unit, AppError> {
        let code = rules::validate_code(&input.code)?;
        let abbr = rules::validate_abbreviation(&input.abbreviation)?;
        let name = rules::validate_name(&input.name)?;
        let kind = UnitKind::parse(&input.kind)?;
        let parent = store::unit(&self.db, input.parent_id)
            .await?
            .ok_or_else(|| AppError::not_found("unit", input.parent_id))?;
        self.require(actor, Permission::UnitManage, parent.id)
            .await?;
        if parent.status != "active" {
            return Err(AppError::conflict(
                format!(
                    "Đơn vị cấp trên «{}» đã được hợp nhất, không thể thêm đơn vị con",
                    parent.name
                ),
                format!(
                    "parent unit «{}» has been merged; it cannot take new sub-units",
                    parent.name
                ),
            ));
        }
        let now = now_utc();
        let unit = Unit {
            id: new_id(),
            tenant_id: parent.tenant_id,
            parent_id: Some(parent.id),
            code,
            abbreviation: abbr,
            name,
            kind: kind.as_str().into(),
            status: "active".into(),
            merged_into: None,
            created_at: now.clone(),
            updated_at: now,
        };
        let tag = actor.tag();
        let u = unit.clone();
        self.db
            .reference_transaction(|tx| {
                let (u, db, tag) = (u.clone(), self.db.clone(), tag.clone());
                Box::pin(async move {
                    store::insert_unit(tx, &u).await.map_err(map_unique(&u.code))?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "unit.created", "unit", Some(u.id.to_string()))
                            .unit(u.id)
                            .payload(json!({"parent_id": u.parent_id, "code": u.code, "abbreviation": u.abbreviation, "name": u.name, "kind": u.kind})),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok(unit)
    }

    /// Renames a unit (name, abbreviation and/or code); the old values are
    /// kept in the event.
    pub async fn change_unit(
        &self,
        actor: &Actor,
        id: Uuid,
        change: UnitChange,
    ) -> Result<Unit, AppError> {
        let name = change
            .name
            .as_deref()
            .map(rules::validate_name)
            .transpose()?;
        let abbr = change
            .abbreviation
            .as_deref()
            .map(rules::validate_abbreviation)
            .transpose()?;
        let code = change
            .code
            .as_deref()
            .map(rules::validate_code)
            .transpose()?;
        if name.is_none() && abbr.is_none() && code.is_none() {
            return Err(sen_domain::Invalid::new(
                "name",
                "Không có thay đổi nào: hãy gửi name, abbreviation hoặc code",
                "nothing to change: send name, abbreviation or code",
            )
            .into());
        }
        self.unit(actor, id).await?;
        self.require(actor, Permission::UnitManage, id).await?;
        let tag = actor.tag();
        self.db
            .reference_transaction(|tx| {
                let (db, tag) = (self.db.clone(), tag.clone());
                let (name, abbr, code) = (name.clone(), abbr.clone(), code.clone());
                Box::pin(async move {
                    let old = store::unit_in_tx(&db, tx, id)
                        .await?
                        .ok_or_else(|| AppError::not_found("unit", id))?;
                    let new_name = name.unwrap_or_else(|| old.name.clone());
                    let new_abbr = abbr.unwrap_or_else(|| old.abbreviation.clone());
                    let new_code = code.unwrap_or_else(|| old.code.clone());
                    store::rename_unit(tx, id, &new_name, &new_abbr, &new_code)
                        .await
                        .map_err(map_unique(&new_code))?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "unit.renamed", "unit", Some(id.to_string()))
                            .unit(id)
                            .payload(json!({
                                "from": {"name": old.name, "abbreviation": old.abbreviation, "code": old.code},
                                "to": {"name": new_name, "abbreviation": new_abbr, "code": new_code},
                            })),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        self.unit(actor, id).await
    }

    /// Moves a unit under another parent. The actor needs UnitManage on the
    /// unit and on the new parent.
    pub async fn move_unit(
        &self,
        actor: &Actor,
        id: Uuid,
        new_parent: Uuid,
    ) -> Result<Unit, AppError> {
        let unit = self.unit(actor, id).await?;
        let parent = store::unit(&self.db, new_parent)
            .await?
            .ok_or_else(|| AppError::not_found("unit", new_parent))?;
        if parent.tenant_id != unit.tenant_id || parent.status != "active" {
            return Err(AppError::conflict(
                "Đơn vị cấp trên mới phải đang hoạt động và thuộc cùng tỉnh",
                "the new parent must be active and in the same province",
            ));
        }
        self.require(actor, Permission::UnitManage, id).await?;
        self.require(actor, Permission::UnitManage, new_parent)
            .await?;
        let tag = actor.tag();
        self.db
            .reference_transaction(|tx| {
                let (db, tag) = (self.db.clone(), tag.clone());
                Box::pin(async move {
                    let old = store::unit_in_tx(&db, tx, id)
                        .await?
                        .ok_or_else(|| AppError::not_found("unit", id))?;
                    let ancestors = store::ancestors(&mut **tx, new_parent).await?;
                    rules::check_move(id, new_parent, &ancestors)?;
                    store::set_parent(tx, id, new_parent).await?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "unit.moved", "unit", Some(id.to_string()))
                            .unit(id)
                            .payload(
                                json!({"from_parent": old.parent_id, "to_parent": new_parent}),
                            ),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        self.unit(actor, id).await
    }

    /// Merges `source` into `target` (the 2025 reform merged provinces and
    /// abolished districts). The source is kept, marked merged; its
    /// sub-units and role grants move to the target; the operation is
    /// recorded in its own table and in the event log.
    pub async fn merge_unit(
        &self,
        actor: &Actor,
        source: Uuid,
        target: Uuid,
        reason: &str,
    ) -> Result<store::MergeCounts, AppError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(sen_domain::Invalid::new(
                "reason",
                "Cần ghi căn cứ hợp nhất (ví dụ số nghị quyết), tối đa 1000 ký tự",
                "a merge needs its legal basis (e.g. the resolution number), at most 1000 characters",
            )
            .into());
        }
        let s = self.unit(actor, source).await?;
        let t = store::unit(&self.db, target)
            .await?
            .ok_or_else(|| AppError::not_found("unit", target))?;
        if s.status != "active" || t.status != "active" || s.tenant_id != t.tenant_id {
            return Err(AppError::conflict(
                "Chỉ hợp nhất được hai đơn vị đang hoạt động trong cùng tỉnh",
                "only two active units of the same province can be merged",
            ));
        }
        if s.parent_id.is_none() {
            return Err(AppError::conflict(
                "Không thể hợp nhất đơn vị gốc của tỉnh",
                "the province's root unit cannot be merged",
            ));
        }
        self.require(actor, Permission::UnitManage, source).await?;
        self.require(actor, Permission::UnitManage, target).await?;
        let tag = actor.tag();
        let reason = reason.to_string();
        let counts = self
            .db
            .reference_transaction(|tx| {
                let (db, tag, reason) = (self.db.clone(), tag.clone(), reason.clone());
                Box::pin(async move {
                    let ancestors = store::ancestors(&mut **tx, target).await?;
                    rules::check_merge(source, target, &ancestors)?;
                    let counts = store::merge_units(tx, source, target, &reason, &tag).await?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "unit.merged", "unit", Some(source.to_string()))
                            .unit(target)
                            .payload(json!({"source": source, "target": target, "reason": reason,
                                "moved_children": counts.children, "moved_grants": counts.grants})),
                    )
                    .await?;
                    Ok::<_, AppError>(counts)
                })
            })
            .await?;
        Ok(counts)
    }
}

/// The units `roots` and every unit below them (each once), from the list
/// of a province's units.
pub fn subtree(all: &[Unit], roots: &[Uuid]) -> Vec<Uuid> {
    let mut out = Vec::new();
    let mut frontier = roots.to_vec();
    while let Some(u) = frontier.pop() {
        if out.contains(&u) {
            continue;
        }
        out.push(u);
        frontier.extend(all.iter().filter(|x| x.parent_id == Some(u)).map(|x| x.id));
    }
    out.sort();
    out
}
