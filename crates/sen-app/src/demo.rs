//! The demo province: a small two-tier province with departments, a public
//! administration service centre, communes, and one account per role.

use crate::accounts::{NewAccount, NewGrant};
use crate::org::NewUnit;
use crate::{Actor, App, AppError};
use uuid::Uuid;

pub const DEMO_CODE: &str = "H99";
/// The password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "sen-demo-2026";

/// Demo accounts: user name, full name, role, code of the unit.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("quantri", "Trần Quản Trị", "provincial_admin", "H99"),
    ("motcua", "Nguyễn Thị Một Cửa", "one_stop_officer", "H99.05"),
    ("chuyenvien", "Lê Văn Chuyên", "specialist", "H99.02"),
    ("lanhdao", "Phạm Minh Lãnh", "unit_leader", "H99.02"),
    ("vanthu", "Hoàng Thị Văn", "clerk", "H99.01"),
    ("kiemtra", "Vũ Đức Kiểm", "auditor", "H99"),
    ("congan", "Đinh Văn Công", "specialist", "H99.06"),
    ("lanhdaoxd", "Bùi Thị Xây", "unit_leader", "H99.03"),
    ("chuyenvienxd", "Mai Văn Dựng", "specialist", "H99.03"),
    ("chutich", "Trương Văn Tỉnh", "unit_leader", "H99"),
    ("vanthuxd", "Đỗ Thị Thư", "clerk", "H99.03"),
];

/// Register books: keeper unit, issuing agency, direction, name, types.
const DEMO_REGISTERS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "H99.01",
        "H99",
        "incoming",
        "Sổ văn bản đến – UBND tỉnh",
        &[],
    ),
    (
        "H99.01",
        "H99",
        "outgoing",
        "Sổ văn bản đi – UBND tỉnh",
        &[],
    ),
    (
        "H99.01",
        "H99",
        "outgoing",
        "Sổ quyết định – UBND tỉnh",
        &["quyet_dinh"],
    ),
    (
        "H99.03",
        "H99.03",
        "incoming",
        "Sổ văn bản đến – Sở Xây dựng",
        &[],
    ),
    (
        "H99.03",
        "H99.03",
        "outgoing",
        "Sổ văn bản đi – Sở Xây dựng",
        &[],
    ),
];

/// The demo catalogue (also an example of the import format).
pub const DEMO_CATALOGUE: &str = include_str!("../demo/catalogue.json");

/// Units under the root: code, parent code, abbreviation, name, kind.
const DEMO_UNITS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "H99.01",
        "H99",
        "VP",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "department",
    ),
    ("H99.02", "H99", "STP", "Sở Tư pháp", "department"),
    (
        "H99.02.01",
        "H99.02",
        "HCTP",
        "Phòng Hành chính tư pháp",
        "division",
    ),
    ("H99.03", "H99", "SXD", "Sở Xây dựng", "department"),
    (
        "H99.04",
        "H99",
        "SNNMT",
        "Sở Nông nghiệp và Môi trường",
        "department",
    ),
    (
        "H99.05",
        "H99",
        "TTPVHCC",
        "Trung tâm Phục vụ hành chính công tỉnh",
        "service_centre",
    ),
    ("H99.06", "H99", "CA", "Công an tỉnh", "department"),
    (
        "H99.10",
        "H99",
        "UBND",
        "Ủy ban nhân dân phường Tân An",
        "commune",
    ),
    (
        "H99.11",
        "H99",
        "UBND",
        "Ủy ban nhân dân xã Bình Minh",
        "commune",
    ),
    (
        "H99.12",
        "H99",
        "UBND",
        "Ủy ban nhân dân xã Hòa Khánh",
        "commune",
    ),
];

/// What `load` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded {
        tenant: Uuid,
        units: usize,
        accounts: usize,
        procedures: usize,
    },
    AlreadyThere {
        tenant: Uuid,
    },
}

impl App {
    /// Loads the demo province unless it is there already.
    pub async fn load_demo(&self) -> Result<DemoOutcome, AppError> {
        self.load_demo_as(DEMO_CODE, "Sen Hồng").await
    }

    /// The demo province under another code and name (e.g. `H98`, "Mai
    /// Vàng"), for trying the exchange between two platforms: every unit
    /// code takes the province's code as its prefix.
    pub async fn load_demo_as(&self, code: &str, province: &str) -> Result<DemoOutcome, AppError> {
        let code = sen_domain::org::validate_code(code)?;
        let province = sen_domain::org::validate_name(province)?;
        let map = |c: &str| format!("{code}{}", c.strip_prefix(DEMO_CODE).unwrap_or(c));
        if let Some(t) = sen_store::org::tenants(&self.db)
            .await?
            .into_iter()
            .find(|t| t.code == code)
        {
            return Ok(DemoOutcome::AlreadyThere { tenant: t.id });
        }
        let op = Actor::Operator;
        let (tenant, root) = self
            .create_province(
                &op,
                &code,
                &format!("Tỉnh {province} (dữ liệu mẫu)"),
                "UBND",
                &format!("Ủy ban nhân dân tỉnh {province}"),
            )
            .await?;
        let mut ids = std::collections::HashMap::new();
        ids.insert(DEMO_CODE, root.id);
        for (unit_code, parent, abbr, name, kind) in DEMO_UNITS {
            let u = self
                .create_unit(
                    &op,
                    NewUnit {
                        parent_id: ids[parent],
                        code: map(unit_code),
                        abbreviation: abbr.to_string(),
                        name: name.to_string(),
                        kind: kind.to_string(),
                    },
                )
                .await?;
            ids.insert(unit_code, u.id);
        }
        for (username, full_name, role, unit) in DEMO_ACCOUNTS {
            self.create_account(
                &op,
                tenant.id,
                NewAccount {
                    username: username.to_string(),
                    full_name: full_name.to_string(),
                    email: Some(format!("{username}@senhong.example.vn")),
                    password: DEMO_PASSWORD.to_string(),
                    roles: vec![NewGrant {
                        role: role.to_string(),
                        unit_id: ids[unit],
                    }],
                },
            )
            .await?;
        }
        for (keeper, issuer, direction, name, types) in DEMO_REGISTERS {
            self.create_register(
                &op,
                crate::office::NewRegister {
                    unit_id: ids[keeper],
                    issuer_unit_id: Some(ids[issuer]),
                    direction: direction.to_string(),
                    name: name.to_string(),
                    doc_types: types.iter().map(|t| t.to_string()).collect(),
                },
            )
            .await?;
        }
        let catalogue = DEMO_CATALOGUE.replace(&format!("\"{DEMO_CODE}"), &format!("\"{code}"));
        let specs: Vec<crate::catalogue::ProcedureSpec> = serde_json::from_str(&catalogue)
            .map_err(|e| AppError::Internal(format!("demo catalogue: {e}")))?;
        let procedures = specs.len();
        self.import_catalogue(&op, tenant.id, specs).await?;
        Ok(DemoOutcome::Loaded {
            procedures,
            tenant: tenant.id,
            units: ids.len(),
            accounts: DEMO_ACCOUNTS.len(),
        })
    }
}
