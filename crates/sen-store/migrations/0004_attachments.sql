-- Files attached to dossiers (the applicant's papers, scanned or uploaded).
-- The bytes live in the database, so that backups and restores carry them;
-- their SHA-256 is also written in the event that records the upload.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    scan_status TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX attachments_dossier ON attachments (dossier_id);
