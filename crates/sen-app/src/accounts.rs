//! Staff accounts, roles, sign-in with optional TOTP, sessions.

use crate::{Actor, App, AppError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sen_domain::access::{Grant, Permission, Role};
use sen_domain::audit::NewEvent;
use sen_domain::auth;
use sen_store::accounts::{self as store, Account, Session};
use sen_store::{events, fmt_time, new_id, now_utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize)]
pub struct NewAccount {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub password: String,
    /// Roles to grant at once.
    #[serde(default)]
    pub roles: Vec<NewGrant>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewGrant {
    pub role: String,
    pub unit_id: Uuid,
}

/// What a successful password check gives: a session, which may still owe
/// the second factor.
#[derive(Debug, Clone, Serialize)]
pub struct SignIn {
    /// The cookie value; only its hash is stored.
    #[serde(skip)]
    pub token: String,
    pub csrf_token: String,
    pub totp_required: bool,
    pub expires_at: String,
}

pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), off the async
/// threads.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A random password for an administrator's reset: four groups of five
/// characters from an alphabet without look-alikes (no 0/o, 1/l/i), joined
/// by dashes, e.g. `k7m2p-x9qr4-…`; 20 characters from 31 give 99 bits.
pub(crate) fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..4)
        .map(|_| {
            (0..5)
                .map(|_| {
                    let i = (rng.next_u32() as usize) % ALPHABET.len();
                    ALPHABET[i] as char
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A valid Argon2id hash of a random password: checked against when the
/// user name is unknown, so that a wrong name costs as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VuLWR1bW15LXNhbHQ$3m2QYzP3o2mG1t6p9d5y8o1d0vWQ8Gq8T0u4V6y2n4A";

fn unix_of(ts: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ts)
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

impl App {
    pub async fn create_account(
        &self,
        actor: &Actor,
        tenant: Uuid,
        input: NewAccount,
    ) -> Result<Account, AppError> {
        let username = auth::validate_username(&input.username)?;
        let full_name = sen_domain::org::validate_name(&input.full_name).map_err(|_| {
            sen_domain::Invalid::new(
                "full_name",
                "Họ và tên phải có từ 1 đến 300 ký tự",
                "a full name has 1 to 300 characters",
            )
        })?;
        let email = input
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(auth::normalize_email)
            .transpose()?;
        auth::validate_password(&input.password)?;
        let mut grants = Vec::new();
        for g in &input.roles {
            let role = Role::parse(&g.role)?;
            let unit = sen_store::org::unit(&self.db, g.unit_id)
                .await?
                .ok_or_else(|| AppError::not_found("unit", g.unit_id))?;
            if unit.tenant_id != tenant {
                return Err(AppError::not_found("unit", g.unit_id));
            }
            self.require(actor, Permission::AccountManage, unit.id)
                .await?;
            grants.push(Grant {
                role,
                unit_id: unit.id,
            });
        }
        if grants.is_empty() {
            // An account without roles still belongs somewhere: the actor
            // must manage accounts at least somewhere in the province.
            self.require_somewhere(actor, Permission::AccountManage)?;
        }
        let now = now_utc();
        let account = Account {
            id: new_id(),
            tenant_id: tenant,
            username: username.clone(),
            full_name,
            email,
            password_hash: hash_password(input.password.clone()).await?,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: 0,
            status: "active".into(),
            created_at: now,
        };
        let tag = actor.tag();
        let a = account.clone();
        self.db
            .transaction(|tx| {
                let (a, db, tag, grants) = (a.clone(), self.db.clone(), tag.clone(), grants.clone());
                Box::pin(async move {
                    store::insert(tx, &a).await.map_err(|e| {
                        if e.is_unique_violation() {
                            AppError::conflict(
                                format!("Tên đăng nhập «{}» đã có người dùng", a.username),
                                format!("user name «{}» is taken", a.username),
                            )
                        } else {
                            e.into()
                        }
                    })?;
                    for g in &grants {
                        store::grant(tx, a.id, *g, &tag).await?;
                    }
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "account.created", "account", Some(a.id.to_string()))
                            .payload(json!({"username": a.username, "full_name": a.full_name,
                                "roles": grants.iter().map(|g| json!({"role": g.role.as_str(), "unit_id": g.unit_id})).collect::<Vec<_>>()})),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok(account)
    }

    /// The units an account's roles are held on, for the permission check of
    /// actions on that account: managing any of them suffices; an account
    /// with no role needs AccountManage somewhere.
    async fn require_manage_account(
        &self,
        actor: &Actor,
        account: &Account,
    ) -> Result<(), AppError> {
        if let Actor::Staff { tenant_id, .. } = actor {
            if *tenant_id != account.tenant_id {
                return Err(AppError::not_found("account", account.id));
            }
        }
        let grants = store::grants(&self.db, account.id).await?;
        if grants.is_empty() {
            return self.require_somewhere(actor, Permission::AccountManage);
        }
        for g in &grants {
            self.require(actor, Permission::AccountManage, g.unit_id)
                .await?;
        }
        Ok(())
    }

    pub async fn account_by_id(&self, id: Uuid) -> Result<Account, AppError> {
        store::by_id(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("account", id))
    }

    pub async fn account_by_username(&self, username: &str) -> Result<Account, AppError> {
        store::by_username(&self.db, &username.trim().to_lowercase())
            .await?
            .ok_or_else(|| AppError::not_found("account", username))
    }

    pub async fn accounts(
        &self,
        actor: &Actor,
        tenant: Uuid,
    ) -> Result<Vec<(Account, Vec<Grant>)>, AppError> {
        self.require_somewhere(actor, Permission::AccountManage)?;
        let mut out = Vec::new();
        for a in store::list(&self.db, tenant).await? {
            let g = store::grants(&self.db, a.id).await?;
            out.push((a, g));
        }
        Ok(out)
    }

    /// Sets a new password, ends the account's sessions and re-enables it.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        account_id: Uuid,
        password: &str,
    ) -> Result<(), AppError> {
        auth::validate_password(password)?;
        let account = store::by_id(&self.db, account_id)
            .await?
            .ok_or_else(|| AppError::not_found("account", account_id))?;
        self.require_manage_account(actor, &account).await?;
        let hash = hash_password(password.to_string()).await?;
        let tag = actor.tag();
        self.db
            .transaction(|tx| {
                let (db, tag, hash) = (self.db.clone(), tag.clone(), hash.clone());
                Box::pin(async move {
                    store::set_password(tx, account_id, &hash).await?;
                    store::set_status(tx, account_id, "active").await?;
                    let ended = store::delete_sessions_of(tx, "staff", account_id).await?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(
                            tag,
                            "account.password_reset",
                            "account",
                            Some(account_id.to_string()),
                        )
                        .payload(json!({"sessions_ended": ended})),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        sen_store::accounts::clear_failures(&self.db, &format!("user:{}", account.username))
            .await?;
        Ok(())
    }

    /// Resets the password to a new random one (four groups of five letters
    /// and digits, about 100 bits) and returns it, to be shown to the
    /// administrator once and handed to the user; it is not stored anywhere
    /// but as its Argon2id hash. Otherwise as [`App::reset_password`].
    pub async fn reset_password_generated(
        &self,
        actor: &Actor,
        account_id: Uuid,
    ) -> Result<String, AppError> {
        let password = generated_password();
        self.reset_password(actor, account_id, &password).await?;
        Ok(password)
    }

    /// Disables (`active = false`) or re-enables an account. A disabled
    /// account cannot sign in, its sessions end at once, and it is no longer
    /// told about its units' deadlines; its roles and history are kept.
    /// Nobody disables their own account. Returns whether anything changed.
    pub async fn set_account_active(
        &self,
        actor: &Actor,
        account_id: Uuid,
        active: bool,
    ) -> Result<bool, AppError> {
        let account = store::by_id(&self.db, account_id)
            .await?
            .ok_or_else(|| AppError::not_found("account", account_id))?;
        self.require_manage_account(actor, &account).await?;
        if !active && matches!(actor, Actor::Staff { id, .. } if *id == account_id) {
            return Err(AppError::conflict(
                "Không thể tự khoá tài khoản của chính mình",
                "you cannot disable your own account",
            ));
        }
        let tag = actor.tag();
        self.db
            .transaction(|tx| {
                let (db, tag) = (self.db.clone(), tag.clone());
                Box::pin(async move {
                    let current = store::by_id_in_tx(&db, tx, account_id)
                        .await?
                        .ok_or_else(|| AppError::not_found("account", account_id))?;
                    let want = if active { "active" } else { "disabled" };
                    if current.status == want {
                        return Ok::<_, AppError>(false);
                    }
                    store::set_status(tx, account_id, want).await?;
                    let ended = if active {
                        0
                    } else {
                        store::delete_sessions_of(tx, "staff", account_id).await?
                    };
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(
                            tag,
                            if active {
                                "account.enabled"
                            } else {
                                "account.disabled"
                            },
                            "account",
                            Some(account_id.to_string()),
                        )
                        .payload(
                            json!({"from": current.status, "to": want, "sessions_ended": ended}),
                        ),
                    )
                    .await?;
                    Ok(true)
                })
            })
            .await
    }

    pub async fn grant_role(
        &self,
        actor: &Actor,
        account_id: Uuid,
        g: NewGrant,
    ) -> Result<bool, AppError> {
        self.change_grant(actor, account_id, g, true).await
    }

    pub async fn revoke_role(
        &self,
        actor: &Actor,
        account_id: Uuid,
        g: NewGrant,
    ) -> Result<bool, AppError> {
        self.change_grant(actor, account_id, g, false).await
    }

    async fn change_grant(
        &self,
        actor: &Actor,
        account_id: Uuid,
        g: NewGrant,
        add: bool,
    ) -> Result<bool, AppError> {
        let role = Role::parse(&g.role)?;
        let account = store::by_id(&self.db, account_id)
            .await?
            .ok_or_else(|| AppError::not_found("account", account_id))?;
        let unit = sen_store::org::unit(&self.db, g.unit_id)
            .await?
            .filter(|u| u.tenant_id == account.tenant_id)
            .ok_or_else(|| AppError::not_found("unit", g.unit_id))?;
        self.require(actor, Permission::AccountManage, unit.id)
            .await?;
        if add && unit.status != "active" {
            return Err(AppError::conflict(
                format!("Đơn vị «{}» đã được hợp nhất", unit.name),
                format!("unit «{}» has been merged", unit.name),
            ));
        }
        let grant = Grant {
            role,
            unit_id: unit.id,
        };
        let tag = actor.tag();
        let changed = self
            .db
            .transaction(|tx| {
                let (db, tag) = (self.db.clone(), tag.clone());
                Box::pin(async move {
                    let changed = if add {
                        store::grant(tx, account_id, grant, &tag).await?
                    } else {
                        store::revoke(tx, account_id, grant).await?
                    };
                    if changed {
                        events::append(
                            &db,
                            tx,
                            NewEvent::new(
                                tag,
                                if add { "role.granted" } else { "role.revoked" },
                                "account",
                                Some(account_id.to_string()),
                            )
                            .unit(grant.unit_id)
                            .payload(
                                json!({"role": grant.role.as_str(), "unit_id": grant.unit_id}),
                            ),
                        )
                        .await?;
                    }
                    Ok::<_, AppError>(changed)
                })
            })
            .await?;
        Ok(changed)
    }

    // ----- sign-in -----

    async fn check_lock(
        &self,
        key: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AppError> {
        self.check_lock_with(key, now, self.settings.lockout).await
    }

    async fn check_lock_with(
        &self,
        key: &str,
        now: chrono::DateTime<chrono::Utc>,
        policy: auth::LockoutPolicy,
    ) -> Result<(), AppError> {
        let since = fmt_time(now - chrono::Duration::seconds(policy.window_secs));
        let failures: Vec<i64> = store::failures_since(&self.db, key, &since)
            .await?
            .iter()
            .map(|t| unix_of(t))
            .collect();
        if let Some(until) = policy.locked_until(&failures, now.timestamp()) {
            let minutes = ((until - now.timestamp()) + 59) / 60;
            return Err(AppError::Locked {
                minutes: minutes.max(1),
            });
        }
        Ok(())
    }

    /// Checks user name and password, with lockout per account and per
    /// client address. Gives a session that still owes the TOTP code when
    /// the account has TOTP enabled.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<SignIn, AppError> {
        let username = username.trim().to_lowercase();
        let now = chrono::Utc::now();
        let user_key = format!("user:{username}");
        let ip_key = format!("ip:{client}");
        self.check_lock(&user_key, now).await?;
        // An address gets four times the room of one account: a whole
        // one-stop desk may sit behind one NAT address.
        let ip_policy = auth::LockoutPolicy {
            max_failures: self.settings.lockout.max_failures * 4,
            ..self.settings.lockout
        };
        self.check_lock_with(&ip_key, now, ip_policy)
            .await
            .map_err(|e| match e {
                AppError::Locked { minutes } => AppError::TooMany { minutes },
                e => e,
            })?;
        let account = store::by_username(&self.db, &username).await?;
        let hash = account
            .as_ref()
            .map(|a| a.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = verify_password(password.to_string(), hash).await;
        let account = match account {
            Some(a) if ok && a.status == "active" => a,
            _ => {
                let at = fmt_time(now);
                store::record_attempt(&self.db, &user_key, &at, false).await?;
                store::record_attempt(&self.db, &ip_key, &at, false).await?;
                tracing::warn!(username = %username, client = %client, "failed sign-in");
                return Err(AppError::BadCredentials);
            }
        };
        store::clear_failures(&self.db, &user_key).await?;
        let stage = if account.totp_enabled { "totp" } else { "full" };
        self.open_session("staff", account.id, stage, &format!("user:{}", account.id))
            .await
    }

    pub(crate) async fn open_session(
        &self,
        kind: &str,
        subject: Uuid,
        stage: &str,
        tag: &str,
    ) -> Result<SignIn, AppError> {
        let now = chrono::Utc::now();
        let token = random_token();
        let session = Session {
            token_hash: token_hash(&token),
            subject_kind: kind.to_string(),
            subject_id: subject,
            csrf_token: random_token(),
            stage: stage.to_string(),
            created_at: fmt_time(now),
            expires_at: fmt_time(now + chrono::Duration::hours(self.settings.session_hours)),
        };
        let s = session.clone();
        let tag = tag.to_string();
        self.db
            .transaction(|tx| {
                let (s, db, tag) = (s.clone(), self.db.clone(), tag.clone());
                Box::pin(async move {
                    store::insert_session(tx, &s).await?;
                    if s.stage == "full" {
                        events::append(
                            &db,
                            tx,
                            NewEvent::new(
                                tag,
                                "auth.signed_in",
                                s.subject_kind.clone(),
                                Some(s.subject_id.to_string()),
                            ),
                        )
                        .await?;
                    }
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok(SignIn {
            token,
            csrf_token: session.csrf_token,
            totp_required: stage == "totp",
            expires_at: session.expires_at,
        })
    }

    /// Completes a sign-in that owes the TOTP code. A wrong code counts as a
    /// failed attempt; a code is accepted once only.
    pub async fn sign_in_totp(&self, token: &str, code: &str) -> Result<SignIn, AppError> {
        let now = chrono::Utc::now();
        let session = store::session(&self.db, &token_hash(token), &fmt_time(now))
            .await?
            .filter(|s| s.stage == "totp" && s.subject_kind == "staff")
            .ok_or(AppError::Unauthenticated)?;
        let account = store::by_id(&self.db, session.subject_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let key = format!("user:{}", account.username);
        self.check_lock(&key, now).await?;
        let secret = account
            .totp_secret
            .as_deref()
            .and_then(|s| hex::decode(s).ok())
            .ok_or(AppError::Unauthenticated)?;
        let step = auth::totp_check(&secret, code, now.timestamp());
        let db = self.db.clone();
        let fresh = match step {
            Some(step) => {
                let id = account.id;
                db.transaction(|tx| {
                    Box::pin(
                        async move { Ok::<_, AppError>(store::use_totp_step(tx, id, step).await?) },
                    )
                })
                .await?
            }
            None => false,
        };
        if !fresh {
            store::record_attempt(&self.db, &key, &fmt_time(now), false).await?;
            return Err(AppError::BadCode);
        }
        // Replace the half session with a full one (new token: no fixation).
        let th = session.token_hash.clone();
        self.db
            .transaction(|tx| {
                let th = th.clone();
                Box::pin(async move { Ok::<_, AppError>(store::delete_session(tx, &th).await?) })
            })
            .await?;
        self.open_session("staff", account.id, "full", &format!("user:{}", account.id))
            .await
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<(), AppError> {
        let th = token_hash(token);
        let now = now_utc();
        let Some(s) = store::session(&self.db, &th, &now).await? else {
            return Ok(());
        };
        self.db
            .transaction(|tx| {
                let (th, db, s) = (th.clone(), self.db.clone(), s.clone());
                Box::pin(async move {
                    store::delete_session(tx, &th).await?;
                    let tag = format!(
                        "{}:{}",
                        if s.subject_kind == "staff" {
                            "user"
                        } else {
                            "citizen"
                        },
                        s.subject_id
                    );
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(
                            tag,
                            "auth.signed_out",
                            s.subject_kind.clone(),
                            Some(s.subject_id.to_string()),
                        ),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await
    }

    /// The actor behind a session token, with the session's CSRF token.
    /// Sessions that still owe a second factor give no actor.
    pub async fn actor_for_token(&self, token: &str) -> Result<Option<(Actor, Session)>, AppError> {
        let Some(s) = store::session(&self.db, &token_hash(token), &now_utc()).await? else {
            return Ok(None);
        };
        if s.stage != "full" {
            return Ok(None);
        }
        let actor = match s.subject_kind.as_str() {
            "staff" => {
                let Some(a) = store::by_id(&self.db, s.subject_id).await? else {
                    return Ok(None);
                };
                if a.status != "active" {
                    return Ok(None);
                }
                Actor::Staff {
                    id: a.id,
                    tenant_id: a.tenant_id,
                    username: a.username,
                    grants: store::grants(&self.db, a.id).await?,
                }
            }
            "citizen" => Actor::Citizen { id: s.subject_id },
            _ => return Ok(None),
        };
        Ok(Some((actor, s)))
    }

    // ----- TOTP enrolment -----

    /// Starts TOTP enrolment for the signed-in staff member: stores a new
    /// secret (not yet enforced) and returns the otpauth URI and the secret
    /// in Base32 for manual entry.
    pub async fn totp_begin(&self, actor: &Actor) -> Result<(String, String), AppError> {
        let Actor::Staff { id, username, .. } = actor else {
            return Err(AppError::Unauthenticated);
        };
        let mut secret = [0u8; 20];
        rand::thread_rng().fill_bytes(&mut secret);
        let hexs = hex::encode(secret);
        let id = *id;
        self.db
            .transaction(|tx| {
                let hexs = hexs.clone();
                Box::pin(async move {
                    Ok::<_, AppError>(store::set_totp(tx, id, Some(&hexs), false).await?)
                })
            })
            .await?;
        Ok((
            auth::totp_uri(&self.settings.issuer, username, &secret),
            auth::base32(&secret),
        ))
    }

    /// Confirms enrolment with a first code; from then on sign-in asks for it.
    pub async fn totp_confirm(&self, actor: &Actor, code: &str) -> Result<(), AppError> {
        let Actor::Staff { id, .. } = actor else {
            return Err(AppError::Unauthenticated);
        };
        let account = store::by_id(&self.db, *id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let secret = account
            .totp_secret
            .as_deref()
            .and_then(|s| hex::decode(s).ok())
            .ok_or_else(|| {
                AppError::conflict(
                    "Chưa bắt đầu đăng ký mã xác thực",
                    "TOTP enrolment was not started",
                )
            })?;
        let step = auth::totp_check(&secret, code, chrono::Utc::now().timestamp())
            .ok_or(AppError::BadCode)?;
        let (id, tag, hexs) = (*id, actor.tag(), hex::encode(&secret));
        self.db
            .transaction(|tx| {
                let (db, tag, hexs) = (self.db.clone(), tag.clone(), hexs.clone());
                Box::pin(async move {
                    store::set_totp(tx, id, Some(&hexs), true).await?;
                    store::use_totp_step(tx, id, step).await?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(tag, "auth.totp_enabled", "account", Some(id.to_string())),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await
    }

    /// Turns TOTP off for an account (an administrator's action, e.g. after a
    /// lost phone).
    pub async fn totp_disable(&self, actor: &Actor, account_id: Uuid) -> Result<(), AppError> {
        let account = store::by_id(&self.db, account_id)
            .await?
            .ok_or_else(|| AppError::not_found("account", account_id))?;
        if !matches!(actor, Actor::Staff { id, .. } if *id == account_id) {
            self.require_manage_account(actor, &account).await?;
        }
        let tag = actor.tag();
        self.db
            .transaction(|tx| {
                let (db, tag) = (self.db.clone(), tag.clone());
                Box::pin(async move {
                    store::set_totp(tx, account_id, None, false).await?;
                    events::append(
                        &db,
                        tx,
                        NewEvent::new(
                            tag,
                            "auth.totp_disabled",
                            "account",
                            Some(account_id.to_string()),
                        ),
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let (a, b) = (generated_password(), generated_password());
        assert_ne!(a, b);
        assert_eq!(a.len(), 23);
        assert!(auth::validate_password(&a).is_ok());
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_alphanumeric()));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
