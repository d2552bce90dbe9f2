//! RFC 3161 time-stamps: the request, the HTTP transport behind a trait,
//! and reading a token back.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use der::Encode;
use rand::RngCore;

use crate::cms::{seq, tlv};
use crate::oids;
use crate::x509::DigestAlg;
use crate::SignError;

fn ts_err(msg: impl Into<String>) -> SignError {
    SignError::TimeStamp(msg.into())
}

/// Carries one RFC 3161 request to a time-stamping authority.
///
/// The crate builds the request and checks the answer; an implementation
/// only moves bytes (so the application can add its own client, proxy,
/// retries or failover between TSAs).
#[async_trait]
pub trait TimeStamper: Send + Sync {
    /// Sends a DER `TimeStampReq` and returns the DER `TimeStampResp`.
    async fn request(&self, timestamp_query: &[u8]) -> Result<Vec<u8>, SignError>;
}

/// A TSA reached over HTTP(S): `POST` with `Content-Type:
/// application/timestamp-query` (RFC 3161, section 3.4).
#[derive(Clone, Debug)]
pub struct HttpTimeStamper {
    url: String,
    client: reqwest::Client,
}

impl HttpTimeStamper {
    /// A time-stamper for the TSA at `url`, with a 30-second time-out.
    pub fn new(url: impl Into<String>) -> HttpTimeStamper {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        HttpTimeStamper::with_client(url, client)
    }

    /// A time-stamper that uses the given client.
    pub fn with_client(url: impl Into<String>, client: reqwest::Client) -> HttpTimeStamper {
        HttpTimeStamper {
            url: url.into(),
            client,
        }
    }
}

#[async_trait]
impl TimeStamper for HttpTimeStamper {
    async fn request(&self, timestamp_query: &[u8]) -> Result<Vec<u8>, SignError> {
        let resp = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/timestamp-query")
            .header("Accept", "application/timestamp-reply")
            .body(timestamp_query.to_vec())
            .send()
            .await
            .map_err(|e| ts_err(format!("{}: {e}", self.url)))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(ts_err(format!("{}: HTTP {status}", self.url)));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| ts_err(format!("{}: {e}", self.url)))?;
        tracing::debug!(url = %self.url, bytes = body.len(), "time-stamp response");
        Ok(body.to_vec())
    }
}

/// One TLV: its tag, its value, and the whole encoding.
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
    pub(crate) whole: &'a [u8],
}

/// Splits DER bytes into consecutive TLVs (one-byte tags).
pub(crate) fn tlvs(b: &[u8]) -> Result<Vec<Tlv<'_>>, SignError> {
    tlvs_up_to(b, usize::MAX)
}

/// The first TLV of `b` (what follows it, e.g. zero padding, is ignored).
pub(crate) fn first_tlv(b: &[u8]) -> Result<Tlv<'_>, SignError> {
    tlvs_up_to(b, 1)?
        .pop()
        .ok_or_else(|| SignError::Cms("empty".into()))
}

fn tlvs_up_to(mut b: &[u8], max: usize) -> Result<Vec<Tlv<'_>>, SignError> {
    let mut out = Vec::new();
    while !b.is_empty() && out.len() < max {
        let bad = || SignError::Cms("truncated DER".into());
        let tag = b[0];
        let first = *b.get(1).ok_or_else(bad)?;
        let (len, hdr) = if first < 0x80 {
            (first as usize, 2)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 || b.len() < 2 + n {
                return Err(bad());
            }
            let len = b[2..2 + n].iter().fold(0usize, |a, x| a << 8 | *x as usize);
            (len, 2 + n)
        };
        if b.len() < hdr + len {
            return Err(bad());
        }
        out.push(Tlv {
            tag,
            value: &b[hdr..hdr + len],
            whole: &b[..hdr + len],
        });
        b = &b[hdr + len..];
    }
    Ok(out)
}

fn integer(v: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

/// What a time-stamp token says.
#[derive(Clone, Debug)]
pub(crate) struct TstInfo {
    pub(crate) gen_time: DateTime<Utc>,
    pub(crate) imprint_alg: Option<DigestAlg>,
    pub(crate) imprint: Vec<u8>,
    pub(crate) nonce: Option<Vec<u8>>,
}

fn parse_generalized_time(s: &[u8]) -> Result<DateTime<Utc>, SignError> {
    let s = std::str::from_utf8(s).map_err(|_| ts_err("bad genTime"))?;
    let s = s
        .strip_suffix('Z')
        .ok_or_else(|| ts_err("genTime not in UTC"))?;
    let whole = s.split('.').next().unwrap_or(s);
    let t = NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .map_err(|_| ts_err(format!("bad genTime {s}")))?;
    let mut t = t.and_utc();
    if let Some(frac) = s.split('.').nth(1) {
        let digits: String = frac.chars().take(9).collect();
        if let Ok(n) = format!("{digits:0<9}").parse::<i64>() {
            t += chrono::Duration::nanoseconds(n);
        }
    }
    Ok(t)
}

/// Reads a TSTInfo.
pub(crate) fn parse_tst_info(der_bytes: &[u8]) -> Result<TstInfo, SignError> {
    let top = tlvs(der_bytes)?;
    let seq = top
        .first()
        .filter(|t| t.tag == 0x30)
        .ok_or_else(|| ts_err("TSTInfo is not a SEQUENCE"))?;
    let items = tlvs(seq.value)?;
    if items.len() < 5 {
        return Err(ts_err("TSTInfo too short"));
    }
    let imprint = tlvs(items[2].value)?;
    if imprint.len() != 2 {
        return Err(ts_err("bad messageImprint"));
    }
    let alg = tlvs(imprint[0].value)?;
    let alg_oid = alg
        .first()
        .filter(|t| t.tag == 0x06)
        .and_then(|t| der::oid::ObjectIdentifier::from_bytes(t.value).ok());
    if items[4].tag != 0x18 {
        return Err(ts_err("TSTInfo without genTime"));
    }
    let nonce = items[5..]
        .iter()
        .find(|t| t.tag == 0x02)
        .map(|t| t.value.iter().copied().skip_while(|b| *b == 0).collect());
    Ok(TstInfo {
        gen_time: parse_generalized_time(items[4].value)?,
        imprint_alg: alg_oid.as_ref().and_then(DigestAlg::from_oid),
        imprint: imprint[1].value.to_vec(),
        nonce,
    })
}

/// The TSTInfo inside a time-stamp token (a ContentInfo/SignedData).
pub(crate) fn token_tst_info(checked: &crate::cms::Checked) -> Result<TstInfo, SignError> {
    let eci = &checked.signed_data.encap_content_info;
    if eci.econtent_type != oids::TST_INFO {
        return Err(ts_err("token does not hold a TSTInfo"));
    }
    let content = eci
        .econtent
        .as_ref()
        .ok_or_else(|| ts_err("token without content"))?
        .decode_as::<der::asn1::OctetString>()?;
    parse_tst_info(content.as_bytes())
}

/// Obtains a time-stamp token over `data` (SHA-256), checks that it
/// answers this request (imprint, nonce) and is signed, and returns its DER.
pub(crate) async fn timestamp(ts: &dyn TimeStamper, data: &[u8]) -> Result<Vec<u8>, SignError> {
    let digest = DigestAlg::Sha256.digest(&[data]);
    let mut nonce = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut nonce);
    nonce[0] &= 0x7f;
    nonce[0] |= 0x01;
    let req = seq(&[
        &tlv(0x02, &[1]),
        &seq(&[
            &seq(&[&oids::SHA256.to_der()?, &[0x05, 0x00]]),
            &tlv(0x04, &digest),
        ]),
        &integer(&nonce),
        &[0x01, 0x01, 0xff],
    ]);
    let resp = ts.request(&req).await?;
    let top = tlvs(&resp)?;
    let outer = top
        .first()
        .filter(|t| t.tag == 0x30)
        .ok_or_else(|| ts_err("response is not a TimeStampResp"))?;
    let items = tlvs(outer.value)?;
    let status_info = items.first().ok_or_else(|| ts_err("empty TimeStampResp"))?;
    let status_items = tlvs(status_info.value)?;
    let status = status_items
        .first()
        .filter(|t| t.tag == 0x02)
        .map(|t| t.value.iter().fold(0u64, |a, b| a << 8 | u64::from(*b)))
        .ok_or_else(|| ts_err("no PKIStatus"))?;
    if status > 1 {
        let text = status_items
            .get(1)
            .and_then(|t| tlvs(t.value).ok())
            .and_then(|v| {
                v.first()
                    .map(|s| String::from_utf8_lossy(s.value).into_owned())
            })
            .unwrap_or_default();
        return Err(ts_err(format!(
            "the TSA refused the request (status {status}) {text}"
        )));
    }
    let token = items
        .get(1)
        .ok_or_else(|| ts_err("the TSA granted the request but sent no token"))?
        .whole
        .to_vec();
    let checked = crate::cms::check(&token, None)?;
    let info = token_tst_info(&checked)?;
    if info.imprint != digest || info.imprint_alg != Some(DigestAlg::Sha256) {
        return Err(ts_err("the token time-stamps other data"));
    }
    let expected_nonce: Vec<u8> = nonce.iter().copied().skip_while(|b| *b == 0).collect();
    if info.nonce.as_deref() != Some(expected_nonce.as_slice()) {
        return Err(ts_err("the token does not carry our nonce"));
    }
    if !checked.digest_ok || !checked.signature_ok {
        return Err(ts_err("the token's signature does not verify"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_time_with_and_without_fraction() {
        let t = parse_generalized_time(b"20261124090509Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T09:05:09+00:00");
        let t = parse_generalized_time(b"20261124090509.25Z").unwrap();
        assert_eq!(t.timestamp_subsec_millis(), 250);
        assert!(parse_generalized_time(b"20261124090509+0700").is_err());
    }

    #[test]
    fn integers_are_positive_and_minimal() {
        assert_eq!(integer(&[0, 0, 5]), vec![2, 1, 5]);
        assert_eq!(integer(&[0x80]), vec![2, 2, 0, 0x80]);
    }
}
