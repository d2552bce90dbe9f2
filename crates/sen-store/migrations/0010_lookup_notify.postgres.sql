-- Tells every Sen process listening on `sen_lookup` that a dossier's
-- public lookup row changed, when the change commits (PostgreSQL delivers
-- notifications at commit, in commit order; a rolled-back change sends
-- none). The payload is `<id> <code>`, or `*` when the table is emptied.
-- Rows without a stored view are never held by a lookup cache, so the
-- first view written for a row (every intake) sends nothing.
CREATE FUNCTION sen_lookup_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sen_lookup', OLD.id || ' ' || OLD.code);
    RETURN NULL;
END
$$;

CREATE FUNCTION sen_lookup_cleared() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sen_lookup', '*');
    RETURN NULL;
END
$$;

CREATE TRIGGER dossiers_lookup_changed
    AFTER UPDATE OF id, code, applicant_name, applicant_phone, applicant_id_number, public_view
    ON dossiers FOR EACH ROW
    WHEN (OLD.public_view IS NOT NULL)
    EXECUTE FUNCTION sen_lookup_changed();

CREATE TRIGGER dossiers_lookup_deleted
    AFTER DELETE ON dossiers FOR EACH ROW
    WHEN (OLD.public_view IS NOT NULL)
    EXECUTE FUNCTION sen_lookup_changed();

CREATE TRIGGER dossiers_lookup_cleared
    AFTER TRUNCATE ON dossiers FOR EACH STATEMENT
    EXECUTE FUNCTION sen_lookup_cleared();
