//! Rules of authentication that need no I/O: TOTP codes (RFC 6238),
//! password and user-name policy, phone and e-mail normalisation, lockout.

use crate::Invalid;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// TOTP per RFC 6238 with the parameters every authenticator app uses:
/// HMAC-SHA1, 30-second steps, 6 digits.
pub fn totp(secret: &[u8], unix_time: i64) -> String {
    hotp(secret, (unix_time.max(0) / 30) as u64)
}

/// HOTP per RFC 4226, 6 digits.
pub fn hotp(secret: &[u8], counter: u64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let d = mac.finalize().into_bytes();
    let off = (d[19] & 0x0f) as usize;
    let bin = ((d[off] as u32 & 0x7f) << 24)
        | ((d[off + 1] as u32) << 16)
        | ((d[off + 2] as u32) << 8)
        | d[off + 3] as u32;
    format!("{:06}", bin % 1_000_000)
}

/// Checks a TOTP code allowing one step of clock drift either way. Returns
/// the step that matched so that the caller can refuse its reuse.
pub fn totp_check(secret: &[u8], code: &str, unix_time: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = unix_time.max(0) / 30;
    (step - 1..=step + 1)
        .find(|s| *s >= 0 && constant_eq(hotp(secret, *s as u64).as_bytes(), code.as_bytes()))
}

/// Base32 (RFC 4648, no padding) for showing TOTP secrets to authenticator apps.
pub fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The `otpauth://` URI that authenticator apps scan.
pub fn totp_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

pub fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// User names: 3–64 characters of lower-case ASCII letters, digits, `.`, `_`, `-`.
pub fn validate_username(s: &str) -> Result<String, Invalid> {
    let s = s.trim().to_lowercase();
    let ok = (3..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(s)
    } else {
        Err(Invalid::new(
            "username",
            "Tên đăng nhập phải có 3–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang",
            "a user name has 3–64 characters: lower-case ASCII letters, digits, '.', '_' or '-'",
        ))
    }
}

/// Passwords: at least 10 characters, at most 256, not only one repeated
/// character. Length beats composition rules (NIST SP 800-63B).
pub fn validate_password(p: &str) -> Result<(), Invalid> {
    let n = p.chars().count();
    let first = p.chars().next();
    if n < 10 || n > 256 || p.chars().all(|c| Some(c) == first) {
        return Err(Invalid::new(
            "password",
            "Mật khẩu phải có từ 10 đến 256 ký tự và không được chỉ lặp lại một ký tự",
            "a password must have 10 to 256 characters and not repeat a single character",
        ));
    }
    Ok(())
}

/// Normalises a Vietnamese mobile number to the national form `0xxxxxxxxx`
/// (10 digits), accepting `+84`/`84` prefixes, spaces, dots and dashes.
pub fn normalize_phone(s: &str) -> Result<String, Invalid> {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        format!("0{rest}")
    } else if digits.starts_with("84") && digits.len() == 11 {
        format!("0{}", &digits[2..])
    } else {
        digits
    };
    if national.len() == 10
        && national.starts_with('0')
        && national.bytes().all(|b| b.is_ascii_digit())
        && national.as_bytes()[1] != b'0'
    {
        Ok(national)
    } else {
        Err(Invalid::new(
            "phone",
            format!("Số điện thoại «{s}» không hợp lệ (ví dụ 0912345678)"),
            format!("phone number «{s}» is invalid (e.g. 0912345678)"),
        ))
    }
}

/// A plain syntactic e-mail check, lower-casing the address.
pub fn normalize_email(s: &str) -> Result<String, Invalid> {
    let s = s.trim().to_lowercase();
    let ok = s.len() <= 254
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        });
    if ok {
        Ok(s)
    } else {
        Err(Invalid::new(
            "email",
            format!("Địa chỉ thư điện tử «{s}» không hợp lệ"),
            format!("e-mail address «{s}» is invalid"),
        ))
    }
}

/// Login throttling: after `max_failures` failed attempts within `window`
/// seconds, the account (or address) is locked until `window` seconds after
/// the oldest of those failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: usize,
    pub window_secs: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window_secs: 15 * 60,
        }
    }
}

impl LockoutPolicy {
    /// Given the unix times of recent failures (any order), returns the unix
    /// time until which further attempts are refused, if locked now.
    pub fn locked_until(&self, failures: &[i64], now: i64) -> Option<i64> {
        let mut recent: Vec<i64> = failures
            .iter()
            .copied()
            .filter(|t| *t > now - self.window_secs && *t <= now)
            .collect();
        if recent.len() < self.max_failures {
            return None;
        }
        recent.sort_unstable();
        // The lock lasts until enough of the window's failures age out.
        let k = recent.len() - self.max_failures;
        Some(recent[k] + self.window_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vectors() {
        // RFC 6238 Appendix B, SHA1, key "12345678901234567890", 8 digits
        // truncated to the last 6.
        let key = b"12345678901234567890";
        for (t, code8) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(totp(key, t), code8[2..], "t={t}");
        }
    }

    #[test]
    fn totp_check_allows_one_step_of_drift() {
        let key = b"12345678901234567890";
        let code = totp(key, 1111111111);
        assert_eq!(totp_check(key, &code, 1111111111), Some(1111111111 / 30));
        assert!(totp_check(key, &code, 1111111111 + 30).is_some());
        assert!(totp_check(key, &code, 1111111111 - 30).is_some());
        assert!(totp_check(key, &code, 1111111111 + 90).is_none());
        assert!(totp_check(key, "12345", 1111111111).is_none());
        assert!(totp_check(key, "abcdef", 1111111111).is_none());
    }

    #[test]
    fn base32_and_uri() {
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let uri = totp_uri("Sen Tây Ninh", "an.nv", b"12345678901234567890");
        assert!(uri.starts_with(
            "otpauth://totp/Sen%20T%C3%A2y%20Ninh:an.nv?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        ));
    }

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(validate_username(" An.NV ").unwrap(), "an.nv");
        assert!(validate_username("ab").is_err());
        assert!(validate_username("nguyễn").is_err());
        assert!(validate_password("correct horse").is_ok());
        assert!(validate_password("short").is_err());
        assert!(validate_password("aaaaaaaaaaaa").is_err());
        assert!(validate_password(&"x".repeat(300)).is_err());
    }

    #[test]
    fn phones_and_emails() {
        for ok in [
            "0912345678",
            "+84912345678",
            "84912345678",
            "091 234 5678",
            "091.234.5678",
        ] {
            assert_eq!(normalize_phone(ok).unwrap(), "0912345678", "{ok}");
        }
        for bad in ["", "12345", "0012345678", "09123456789", "09a2345678"] {
            assert!(normalize_phone(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_email(" An@Example.VN ").unwrap(), "an@example.vn");
        for bad in ["", "a", "a@b", "@b.vn", "a@.vn", "a b@c.vn", "a@b@c.vn"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lockout() {
        let p = LockoutPolicy::default();
        let now = 10_000;
        assert_eq!(p.locked_until(&[], now), None);
        assert_eq!(p.locked_until(&[now - 10; 4], now), None);
        let f = [now - 100, now - 80, now - 60, now - 40, now - 20];
        assert_eq!(p.locked_until(&f, now), Some(now - 100 + 900));
        // Old failures outside the window do not count.
        let f = [now - 2000, now - 80, now - 60, now - 40, now - 20];
        assert_eq!(p.locked_until(&f, now), None);
        // Six failures: the lock lasts until the second oldest ages out.
        let f = [now - 100, now - 90, now - 60, now - 40, now - 20, now - 10];
        assert_eq!(p.locked_until(&f, now), Some(now - 90 + 900));
    }
}
