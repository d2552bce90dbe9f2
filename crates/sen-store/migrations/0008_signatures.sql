-- Signatures made with an official's USB token, between the two requests:
-- `prepare` stores the PDF with its empty signature and what the token must
-- sign (the serialised sen_sign::Prepared, JSON with base64 bytes);
-- `finalise` puts the token's signature value in, stores the signed PDF as
-- a `signed` document file and marks the request finalised (its prepared
-- data is then dropped: the signed file holds everything).
CREATE TABLE signature_requests (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    -- The file that was prepared for signing (the newest issued or signed
    -- PDF at the time); finalise refuses if a newer one appeared meanwhile.
    source_file_id TEXT NOT NULL REFERENCES document_files(id),
    -- Who prepared it (the actor's tag); only they may finalise it.
    requested_by TEXT NOT NULL,
    signer_subject TEXT NOT NULL,
    field_name TEXT NOT NULL,
    prepared TEXT NOT NULL,
    -- `pending` or `finalised`.
    status TEXT NOT NULL,
    result_file_id TEXT REFERENCES document_files(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    finalised_at TEXT
);
CREATE INDEX signature_requests_document ON signature_requests (document_id, status);
