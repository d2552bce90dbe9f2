-- Tells every Sen process listening on `sen_lookup` that reference data
-- (units, procedures, calendar decisions) changed, when the change
-- commits: the payload `reference` drops every value a process keeps of
-- them (see `lookups`). Once per statement; PostgreSQL delivers identical
-- notifications of one transaction once, and none for a rollback.
CREATE FUNCTION sen_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sen_lookup', 'reference');
    RETURN NULL;
END
$$;

CREATE TRIGGER units_reference_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION sen_reference_changed();

CREATE TRIGGER procedures_reference_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procedures
    FOR EACH STATEMENT EXECUTE FUNCTION sen_reference_changed();

CREATE TRIGGER calendar_decisions_reference_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION sen_reference_changed();
