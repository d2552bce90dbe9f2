-- The exchange log: every edXML message sent to or received from another
-- platform, whole and signed as it crossed the wire. Each row's SHA-256 is
-- also in the event that recorded it, so the hash chain proves what was
-- exchanged and when.
CREATE TABLE exchange_messages (
    id TEXT PRIMARY KEY,
    -- `sent` or `received`.
    direction TEXT NOT NULL,
    -- `document` or `status`.
    kind TEXT NOT NULL,
    -- The edXML DocumentId of a document message; for a status message, the
    -- DocumentId it answers plus its code and digest.
    message_id TEXT NOT NULL,
    local_organ_id TEXT NOT NULL,
    peer_organ_id TEXT NOT NULL,
    document_id TEXT REFERENCES documents(id),
    recipient_id TEXT REFERENCES document_recipients(id),
    status_code TEXT,
    sha256 TEXT NOT NULL,
    signer TEXT,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (direction, message_id)
);
CREATE INDEX exchange_messages_document ON exchange_messages (document_id);
