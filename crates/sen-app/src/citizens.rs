//! Citizens sign in with their phone number or e-mail address and a
//! one-time code sent there (a later issue adds the national ID login).
//! The code travels to the citizen through the outbox message; the sign-in
//! table keeps only its hash.

use crate::accounts::SignIn;
use crate::{App, AppError};
use rand::Rng;
use sen_domain::audit::NewEvent;
use sen_domain::auth;
use sen_store::citizens::{self as store, Otp};
use sen_store::{events, fmt_time, new_id, outbox};
use sha2::{Digest, Sha256};

/// A parsed sign-in address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Phone(String),
    Email(String),
}

impl Address {
    /// A phone number if it looks like one, else an e-mail address.
    pub fn parse(s: &str) -> Result<Address, AppError> {
        if s.contains('@') {
            Ok(Address::Email(auth::normalize_email(s)?))
        } else {
            Ok(Address::Phone(auth::normalize_phone(s)?))
        }
    }

    fn key(&self) -> String {
        match self {
            Address::Phone(p) => format!("phone:{p}"),
            Address::Email(e) => format!("email:{e}"),
        }
    }
}

fn code_hash(address_key: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{address_key}\n{code}").as_bytes()))
}

const MAX_CODE_ATTEMPTS: i64 = 5;

impl App {
    /// Sends a 6-digit code to the address. At most `otp_per_hour` codes
    /// per address and hour.
    /// Returns the code itself only in demo mode (`demo_echo_codes`).
    pub async fn citizen_request_code(&self, address: &str) -> Result<Option<String>, AppError> {
        let addr = Address::parse(address)?;
        let key = addr.key();
        let now = self.now();
        let hour_ago = fmt_time(now - chrono::Duration::hours(1));
        if store::otps_requested_since(&self.db, &key, &hour_ago).await?
            >= self.settings.otp_per_hour
        {
            return Err(AppError::TooMany { minutes: 60 });
        }
        let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
        let otp = Otp {
            id: new_id(),
            address: key.clone(),
            code_hash: code_hash(&key, &code),
            created_at: fmt_time(now),
            expires_at: fmt_time(now + chrono::Duration::minutes(self.settings.otp_minutes)),
            attempts: 0,
            used: false,
        };
        let minutes = self.settings.otp_minutes;
        let (channel, recipient) = match &addr {
            Address::Phone(p) => ("sms", p.clone()),
            Address::Email(e) => ("email", e.clone()),
        };
        let body = format!(
            "Ma xac thuc Sen cua ban la {code}, hieu luc {minutes} phut. Khong chia se ma nay. / Your Sen code is {code}, valid {minutes} minutes."
        );
        self.db
            .transaction(|tx| {
                let (otp, body, recipient) = (otp.clone(), body.clone(), recipient.clone());
                Box::pin(async move {
                    store::insert_otp(tx, &otp).await?;
                    outbox::enqueue(
                        tx,
                        channel,
                        &recipient,
                        "Mã xác thực Sen / Sen sign-in code",
                        &body,
                        &format!("otp:{}", otp.id),
                        &otp.created_at,
                    )
                    .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        Ok(self.settings.demo_echo_codes.then_some(code))
    }

    /// The citizen's phone number or e-mail, for display.
    pub async fn citizen_label(&self, id: uuid::Uuid) -> Result<String, AppError> {
        let c = store::by_id(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found("citizen", id))?;
        Ok(c.phone.or(c.email).unwrap_or_default())
    }

    /// Checks a code; on success signs the citizen in (creating the citizen
    /// on first use). Five wrong tries spend the code.
    pub async fn citizen_verify_code(&self, address: &str, code: &str) -> Result<SignIn, AppError> {
        let addr = Address::parse(address)?;
        let key = addr.key();
        let code = code.trim().to_string();
        let now = fmt_time(self.now());
        let db = self.db.clone();
        let citizen = self
            .db
            .transaction(|tx| {
                let (key, code, now, db, addr) = (
                    key.clone(),
                    code.clone(),
                    now.clone(),
                    db.clone(),
                    addr.clone(),
                );
                Box::pin(async move {
                    let Some(otp) = store::latest_otp(&db, tx, &key, &now).await? else {
                        return Ok(Err(AppError::BadCode));
                    };
                    if otp.attempts >= MAX_CODE_ATTEMPTS {
                        return Ok(Err(AppError::BadCode));
                    }
                    if !auth::constant_eq(
                        code_hash(&key, &code).as_bytes(),
                        otp.code_hash.as_bytes(),
                    ) {
                        store::otp_failed(tx, otp.id).await?;
                        return Ok(Err(AppError::BadCode));
                    }
                    store::otp_used(tx, otp.id).await?;
                    let (phone, email) = match &addr {
                        Address::Phone(p) => (Some(p.as_str()), None),
                        Address::Email(e) => (None, Some(e.as_str())),
                    };
                    let (citizen, created) = store::find_or_create(tx, phone, email).await?;
                    if created {
                        events::append(
                            &db,
                            tx,
                            NewEvent::new(
                                format!("citizen:{}", citizen.id),
                                "citizen.registered",
                                "citizen",
                                Some(citizen.id.to_string()),
                            ),
                        )
                        .await?;
                    }
                    Ok::<_, AppError>(Ok(citizen))
                })
            })
            .await??;
        self.open_session(
            "citizen",
            citizen.id,
            "full",
            &format!("citizen:{}", citizen.id),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            Address::parse("+84 912 345 678").unwrap(),
            Address::Phone("0912345678".into())
        );
        assert_eq!(
            Address::parse("An@Example.vn").unwrap(),
            Address::Email("an@example.vn".into())
        );
        assert!(Address::parse("12").is_err());
        assert_ne!(
            code_hash("phone:0912345678", "123456"),
            code_hash("phone:0912345679", "123456")
        );
    }
}
