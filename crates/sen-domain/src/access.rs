//! Least privilege: roles scoped to a unit, and what each role may do.
//!
//! A role held on a unit applies to that unit and every unit below it.
//! A permission is checked against the unit an action touches; holding a
//! role elsewhere in the tree gives nothing.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ tiếp nhận và trả kết quả (Bộ phận Một cửa).
    OneStopOfficer,
    /// Chuyên viên xử lý.
    Specialist,
    /// Lãnh đạo đơn vị.
    UnitLeader,
    /// Văn thư.
    Clerk,
    /// Quản trị hệ thống cấp tỉnh.
    ProvincialAdmin,
    /// Kiểm tra, giám sát (read-only, audit).
    Auditor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See units and the staff directory.
    UnitRead,
    /// Create, rename, move and merge units.
    UnitManage,
    /// Create accounts, reset passwords, grant and revoke roles.
    AccountManage,
    /// Read the event log and run its verification.
    AuditRead,
    /// Read reports and dashboards.
    ReportRead,
    /// Manage the procedure catalogue and the working calendar.
    CatalogueManage,
    /// Receive dossiers at the counter, return results.
    DossierReceive,
    /// Process dossiers assigned to the unit.
    DossierProcess,
    /// Approve results, refusals and extensions; sign.
    DossierApprove,
    /// Register incoming documents, number and dispatch outgoing ones.
    DocumentRegister,
    /// Draft and process documents.
    DocumentProcess,
    /// Assign documents, approve and sign outgoing ones.
    DocumentApprove,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::OneStopOfficer,
        Role::Specialist,
        Role::UnitLeader,
        Role::Clerk,
        Role::ProvincialAdmin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::OneStopOfficer => "one_stop_officer",
            Role::Specialist => "specialist",
            Role::UnitLeader => "unit_leader",
            Role::Clerk => "clerk",
            Role::ProvincialAdmin => "provincial_admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Invalid> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                Invalid::new(
                    "role",
                    format!("Vai trò không hợp lệ: «{s}»"),
                    format!("unknown role: «{s}»"),
                )
            })
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::OneStopOfficer => "Cán bộ Một cửa",
            Role::Specialist => "Chuyên viên",
            Role::UnitLeader => "Lãnh đạo đơn vị",
            Role::Clerk => "Văn thư",
            Role::ProvincialAdmin => "Quản trị hệ thống",
            Role::Auditor => "Kiểm tra, giám sát",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::OneStopOfficer => "One-stop-desk officer",
            Role::Specialist => "Specialist",
            Role::UnitLeader => "Unit leader",
            Role::Clerk => "Clerk",
            Role::ProvincialAdmin => "Provincial administrator",
            Role::Auditor => "Auditor",
        }
    }

    /// The permissions a role carries. This table is the whole policy.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::OneStopOfficer => &[UnitRead, DossierReceive],
            Role::Specialist => &[UnitRead, DossierProcess, DocumentProcess],
            Role::UnitLeader => &[
                UnitRead,
                ReportRead,
                DossierProcess,
                DossierApprove,
                DocumentProcess,
                DocumentApprove,
            ],
            Role::Clerk => &[UnitRead, DocumentRegister],
            Role::ProvincialAdmin => &[UnitRead, UnitManage, AccountManage, CatalogueManage],
            Role::Auditor => &[UnitRead, AuditRead, ReportRead],
        }
    }

    pub fn allows(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

/// A role held on a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub unit_id: Uuid,
}

/// Whether `grants` allow `permission` on a unit whose path from itself up
/// to the root is `unit_path` (the unit first, then its ancestors).
pub fn is_allowed(grants: &[Grant], permission: Permission, unit_path: &[Uuid]) -> bool {
    grants
        .iter()
        .any(|g| g.role.allows(permission) && unit_path.contains(&g.unit_id))
}

/// Whether `grants` allow `permission` anywhere at all (for listing screens
/// that are then filtered by unit).
pub fn is_allowed_somewhere(grants: &[Grant], permission: Permission) -> bool {
    grants.iter().any(|g| g.role.allows(permission))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_have_labels() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
            assert!(!r.label_vi().is_empty() && !r.label_en().is_empty());
            assert!(r.allows(Permission::UnitRead), "{r:?} cannot see units");
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn least_privilege_table() {
        // The administrator runs the platform but decides no dossier and
        // reads no audit trail; the auditor reads but changes nothing.
        assert!(!Role::ProvincialAdmin.allows(Permission::DossierApprove));
        assert!(!Role::ProvincialAdmin.allows(Permission::AuditRead));
        for p in [
            Permission::UnitManage,
            Permission::AccountManage,
            Permission::DossierReceive,
            Permission::DossierProcess,
            Permission::DossierApprove,
            Permission::DocumentRegister,
            Permission::DocumentApprove,
            Permission::CatalogueManage,
        ] {
            assert!(!Role::Auditor.allows(p), "auditor may {p:?}");
        }
        assert!(Role::OneStopOfficer.allows(Permission::DossierReceive));
        assert!(!Role::OneStopOfficer.allows(Permission::DossierApprove));
        assert!(!Role::Specialist.allows(Permission::DossierApprove));
        assert!(Role::UnitLeader.allows(Permission::DossierApprove));
        assert!(Role::Clerk.allows(Permission::DocumentRegister));
        assert!(!Role::Clerk.allows(Permission::DocumentApprove));
    }

    #[test]
    fn scope_is_the_subtree() {
        let (province, dept, division, other) = (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        );
        let grants = [Grant {
            role: Role::UnitLeader,
            unit_id: dept,
        }];
        // The division under the department: allowed.
        assert!(is_allowed(
            &grants,
            Permission::DossierApprove,
            &[division, dept, province]
        ));
        // The department itself: allowed.
        assert!(is_allowed(
            &grants,
            Permission::DossierApprove,
            &[dept, province]
        ));
        // The province above: not allowed.
        assert!(!is_allowed(
            &grants,
            Permission::DossierApprove,
            &[province]
        ));
        // A sibling department: not allowed.
        assert!(!is_allowed(
            &grants,
            Permission::DossierApprove,
            &[other, province]
        ));
        // A permission the role lacks: not allowed anywhere.
        assert!(!is_allowed(
            &grants,
            Permission::UnitManage,
            &[dept, province]
        ));
        assert!(is_allowed_somewhere(&grants, Permission::ReportRead));
        assert!(!is_allowed_somewhere(&grants, Permission::AccountManage));
        assert!(!is_allowed(&[], Permission::UnitRead, &[province]));
    }
}
