-- The procedure catalogue (versioned) and dossiers.

-- One row per version of a procedure; a dossier keeps the version it was
-- received under. `definition` is the whole version as JSON (components,
-- fees, process); the other columns are copies for search and listing.
CREATE TABLE procedures (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    field TEXT NOT NULL,
    online_level TEXT NOT NULL,
    processing_days BIGINT NOT NULL,
    definition TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, code, version)
);
CREATE INDEX procedures_name ON procedures (tenant_id, name_key);

-- Gap-free sequences (dossier codes per agency and day, later document
-- numbers per register and year): a row per key, incremented inside the
-- transaction that uses the number.
CREATE TABLE counters (
    key TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- The current state of each dossier: a projection of its events, updated
-- in the same transaction as the event that changes it.
CREATE TABLE dossiers (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    code TEXT NOT NULL UNIQUE,
    procedure_id TEXT NOT NULL REFERENCES procedures(id),
    receiving_unit_id TEXT NOT NULL REFERENCES units(id),
    current_unit_id TEXT NOT NULL REFERENCES units(id),
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    applicant_key TEXT NOT NULL,
    applicant_phone TEXT,
    applicant_email TEXT,
    applicant_id_number TEXT,
    citizen_id TEXT REFERENCES citizens(id),
    received_at TEXT,
    due_at TEXT,
    completed_at TEXT,
    timeliness TEXT,
    rating BIGINT,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX dossiers_unit_status ON dossiers (current_unit_id, status);
CREATE INDEX dossiers_status_due ON dossiers (status, due_at);
CREATE INDEX dossiers_citizen ON dossiers (citizen_id);
