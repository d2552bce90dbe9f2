//! The organisation as data: a tree of units of any depth inside a tenant
//! (a province). Units carry their official identifier code (Quyết định
//! 20/2020/QĐ-TTg, e.g. `H12.01`) and their abbreviation (e.g. `STP`), which
//! later forms document symbols such as `05/QĐ-UBND`.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of body a unit is. The tree itself is free-form: any kind may
/// sit under any other, because the state reorganises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Ủy ban nhân dân tỉnh / thành phố.
    ProvincialCommittee,
    /// Sở, ban, ngành.
    Department,
    /// Ủy ban nhân dân xã / phường / đặc khu.
    Commune,
    /// Phòng, ban, bộ phận bên trong một cơ quan.
    Division,
    /// Trung tâm Phục vụ hành chính công (public administration service centre).
    ServiceCentre,
    Other,
}

impl UnitKind {
    pub const ALL: [UnitKind; 6] = [
        UnitKind::ProvincialCommittee,
        UnitKind::Department,
        UnitKind::Commune,
        UnitKind::Division,
        UnitKind::ServiceCentre,
        UnitKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::ProvincialCommittee => "provincial_committee",
            UnitKind::Department => "department",
            UnitKind::Commune => "commune",
            UnitKind::Division => "division",
            UnitKind::ServiceCentre => "service_centre",
            UnitKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "kind",
                    format!("Loại đơn vị không hợp lệ: «{s}»"),
                    format!("unknown unit kind: «{s}»"),
                )
            })
    }

    /// Whether the unit issues documents in its own name and keeps its own
    /// registers (a division works inside its agency).
    pub fn is_agency(self) -> bool {
        !matches!(self, UnitKind::Division)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            UnitKind::ProvincialCommittee => "UBND tỉnh",
            UnitKind::Department => "Sở, ban, ngành",
            UnitKind::Commune => "UBND xã, phường",
            UnitKind::Division => "Phòng, bộ phận",
            UnitKind::ServiceCentre => "Trung tâm Phục vụ hành chính công",
            UnitKind::Other => "Khác",
        }
    }
}

/// An official identifier code: groups of upper-case letters and digits
/// separated by dots, e.g. `H12`, `H12.01`, `000.00.12.H12`.
pub fn validate_code(code: &str) -> Result<String, Invalid> {
    let code = code.trim();
    let bad = || {
        Invalid::new(
            "code",
            format!("Mã định danh «{code}» không hợp lệ: chỉ gồm chữ in hoa A–Z, chữ số và dấu chấm giữa các nhóm, tối đa 40 ký tự (ví dụ H12.01)"),
            format!("identifier code «{code}» is invalid: upper-case A–Z, digits and dots between groups, at most 40 characters (e.g. H12.01)"),
        )
    };
    if code.is_empty() || code.len() > 40 {
        return Err(bad());
    }
    for group in code.split('.') {
        if group.is_empty()
            || !group
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return Err(bad());
        }
    }
    Ok(code.to_string())
}

/// An abbreviation as used in document symbols: upper-case letters (Đ
/// included) and digits, no spaces or hyphens, e.g. `UBND`, `STP`, `SGDĐT`.
pub fn validate_abbreviation(abbr: &str) -> Result<String, Invalid> {
    let abbr = abbr.trim();
    let ok = !abbr.is_empty()
        && abbr.chars().count() <= 20
        && abbr
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == 'Đ');
    if ok {
        Ok(abbr.to_string())
    } else {
        Err(Invalid::new(
            "abbreviation",
            format!("Tên viết tắt «{abbr}» không hợp lệ: chỉ gồm chữ in hoa (kể cả Đ) và chữ số, không dấu cách, tối đa 20 ký tự"),
            format!("abbreviation «{abbr}» is invalid: upper-case letters (Đ included) and digits, no spaces, at most 20 characters"),
        ))
    }
}

/// A unit's name: 1–300 characters after trimming, no control characters.
pub fn validate_name(name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 || n > 300 || name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "name",
            "Tên đơn vị phải có từ 1 đến 300 ký tự và không chứa ký tự điều khiển",
            "a unit name must be 1 to 300 characters without control characters",
        ));
    }
    Ok(name.to_string())
}

/// Checks that moving `unit` under `new_parent` keeps the tree a tree.
/// `ancestors_of_new_parent` lists the new parent's ancestors (nearest
/// first, not including the new parent itself).
pub fn check_move(
    unit: Uuid,
    new_parent: Uuid,
    ancestors_of_new_parent: &[Uuid],
) -> Result<(), Invalid> {
    if unit == new_parent || ancestors_of_new_parent.contains(&unit) {
        return Err(Invalid::new(
            "parent_id",
            "Không thể chuyển một đơn vị vào chính nó hoặc vào đơn vị cấp dưới của nó",
            "a unit cannot be moved under itself or under one of its own sub-units",
        ));
    }
    Ok(())
}

/// Checks a merge of `source` into `target`: both must differ and the target
/// must not lie inside the source's subtree (its children move to the target).
pub fn check_merge(
    source: Uuid,
    target: Uuid,
    ancestors_of_target: &[Uuid],
) -> Result<(), Invalid> {
    if source == target {
        return Err(Invalid::new(
            "target_id",
            "Không thể hợp nhất một đơn vị vào chính nó",
            "a unit cannot be merged into itself",
        ));
    }
    if ancestors_of_target.contains(&source) {
        return Err(Invalid::new(
            "target_id",
            "Không thể hợp nhất một đơn vị vào đơn vị cấp dưới của nó",
            "a unit cannot be merged into one of its own sub-units",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for ok in ["H12", "H12.01", "000.00.12.H12", "G01.10.5"] {
            assert_eq!(validate_code(ok).unwrap(), ok);
        }
        assert_eq!(validate_code(" H12.01 ").unwrap(), "H12.01");
        for bad in [
            "",
            "h12",
            "H12.",
            ".H12",
            "H12..01",
            "H 12",
            "H12-01",
            &"A".repeat(41),
        ] {
            assert!(validate_code(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn abbreviations() {
        for ok in ["UBND", "STP", "SGDĐT", "VP2"] {
            assert_eq!(validate_abbreviation(ok).unwrap(), ok);
        }
        for bad in ["", "ubnd", "UB-ND", "UB ND", &"A".repeat(21)] {
            assert!(validate_abbreviation(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn names() {
        assert_eq!(validate_name("  Sở Tư pháp ").unwrap(), "Sở Tư pháp");
        assert!(validate_name("").is_err());
        assert!(validate_name("a\u{0007}b").is_err());
        assert!(validate_name(&"ơ".repeat(301)).is_err());
        assert!(validate_name(&"ơ".repeat(300)).is_ok());
    }

    #[test]
    fn kinds_round_trip() {
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.as_str()).unwrap(), k);
            assert!(!k.label_vi().is_empty());
        }
        assert!(UnitKind::parse("district").is_err());
    }

    #[test]
    fn moves_and_merges_keep_a_tree() {
        let [a, b, c] = [Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3)];
        // c's ancestors are b then a.
        assert!(check_move(a, c, &[b, a]).is_err());
        assert!(check_move(a, a, &[]).is_err());
        assert!(check_move(c, a, &[]).is_ok());
        assert!(check_merge(a, a, &[]).is_err());
        assert!(check_merge(a, c, &[b, a]).is_err());
        assert!(check_merge(c, a, &[]).is_ok());
    }
}
