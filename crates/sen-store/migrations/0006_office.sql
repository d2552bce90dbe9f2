-- E-office: register books, official documents (incoming and outgoing),
-- the versions of drafts, their files and their recipients. As for
-- dossiers, the truth is each document's events; these rows are
-- projections rewritten in the same transaction as the event.

-- A register book (sổ đăng ký văn bản) kept by `unit_id`'s clerks, in the
-- name of `issuer_unit_id` (e.g. the Office of the People's Committee keeps
-- the Committee's registers). `doc_types` is a JSON array of type codes;
-- empty means every type. Numbers restart every year (counters table, key
-- `register:<id>:<year>`).
CREATE TABLE registers (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    issuer_unit_id TEXT NOT NULL REFERENCES units(id),
    direction TEXT NOT NULL,
    name TEXT NOT NULL,
    doc_types TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX registers_unit ON registers (unit_id, direction);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    -- The agency whose document it is: the issuer of an outgoing document,
    -- the addressee of an incoming one.
    unit_id TEXT NOT NULL REFERENCES units(id),
    direction TEXT NOT NULL,
    status TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    urgency TEXT NOT NULL,
    register_id TEXT REFERENCES registers(id),
    reg_year BIGINT,
    -- Incoming: the incoming number (số đến). Outgoing: the document number.
    reg_number BIGINT,
    -- Outgoing: "05/QĐ-UBND" once issued. Incoming: as written by the sender.
    number_symbol TEXT,
    -- The date on the document (ngày ban hành), YYYY-MM-DD.
    doc_date TEXT,
    sender_name TEXT,
    -- The sender's edXML OrganId (incoming from another agency).
    sender_organ_id TEXT,
    -- The exchange message that brought it (incoming) — idempotent receipt.
    exchange_id TEXT UNIQUE,
    received_at TEXT,
    handler_unit_id TEXT REFERENCES units(id),
    handler_account_id TEXT REFERENCES accounts(id),
    -- Outgoing: the account that must act next (reviewer, approver).
    holder_account_id TEXT REFERENCES accounts(id),
    author_id TEXT REFERENCES accounts(id),
    drafting_unit_id TEXT REFERENCES units(id),
    signer_id TEXT REFERENCES accounts(id),
    due_date TEXT,
    issued_at TEXT,
    responds_to TEXT REFERENCES documents(id),
    dossier_id TEXT REFERENCES dossiers(id),
    -- Accent-folded subject, number/symbol, sender and text, for search.
    search_text TEXT NOT NULL,
    -- The rest, as JSON (place, signer's title, recipients' names, ...).
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (register_id, reg_year, reg_number)
);
CREATE UNIQUE INDEX documents_outgoing_symbol ON documents (unit_id, reg_year, number_symbol)
    WHERE direction = 'outgoing' AND number_symbol IS NOT NULL;
CREATE INDEX documents_unit_status ON documents (unit_id, direction, status);
CREATE INDEX documents_handler ON documents (handler_unit_id, status);
CREATE INDEX documents_holder ON documents (holder_account_id, status);

-- Each version of a draft's text.
CREATE TABLE document_versions (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    note TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (document_id, version)
);

-- Files of a document: the scanned original, the issued PDF, its signed
-- copies. Bytes in the database, as for dossiers' attachments.
CREATE TABLE document_files (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX document_files_document ON document_files (document_id);

-- Where an outgoing document goes: a unit of this Sen (`unit_id`) or an
-- agency elsewhere (`organ_id`, reached by edXML). `status` is the last
-- edXML status code heard back (01 arrived … 06 done), `pending` before.
CREATE TABLE document_recipients (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    unit_id TEXT REFERENCES units(id),
    organ_id TEXT,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    delivered_document_id TEXT REFERENCES documents(id),
    updated_at TEXT NOT NULL
);
CREATE INDEX document_recipients_document ON document_recipients (document_id);
