-- Official decisions on the working calendar, entered by an administrator:
-- extra days off, swapped working days, cancelled default holidays.
-- `decision` is the JSON form of sen_calendar::Decision.
CREATE TABLE calendar_decisions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    date TEXT NOT NULL,
    decision TEXT NOT NULL,
    reference TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, date)
);
