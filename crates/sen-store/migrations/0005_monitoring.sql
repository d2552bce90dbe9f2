-- Monitoring (Quyết định 766 index and the dashboards): counters kept per
-- procedure version, receiving desk and Vietnam day (and the same per month,
-- so that a long period reads few rows), updated in the same transaction as
-- each change of a dossier's projection row. Each dossier row contributes
-- to the day it was created (submitted, rejected at intake), received
-- (received) and completed (finished early / on time / late, processing
-- seconds, withdrawn, returned, its rating); a change adds the difference
-- between the row's contributions after and before. Supplement requests
-- count the moves into a waiting status, on the day they happen. The
-- backend-specific part of this migration fills the counters from the
-- dossiers and events already there.
CREATE TABLE monitoring_daily (
    tenant_id TEXT NOT NULL,
    procedure_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    day TEXT NOT NULL,
    submitted BIGINT NOT NULL DEFAULT 0,
    submitted_online BIGINT NOT NULL DEFAULT 0,
    received BIGINT NOT NULL DEFAULT 0,
    received_online BIGINT NOT NULL DEFAULT 0,
    finished_early BIGINT NOT NULL DEFAULT 0,
    finished_on_time BIGINT NOT NULL DEFAULT 0,
    finished_late BIGINT NOT NULL DEFAULT 0,
    processing_seconds BIGINT NOT NULL DEFAULT 0,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    rejected_at_intake BIGINT NOT NULL DEFAULT 0,
    returned BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    supplement_requests BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, procedure_id, unit_id)
);

CREATE TABLE monitoring_monthly (
    tenant_id TEXT NOT NULL,
    procedure_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    month TEXT NOT NULL,
    submitted BIGINT NOT NULL DEFAULT 0,
    submitted_online BIGINT NOT NULL DEFAULT 0,
    received BIGINT NOT NULL DEFAULT 0,
    received_online BIGINT NOT NULL DEFAULT 0,
    finished_early BIGINT NOT NULL DEFAULT 0,
    finished_on_time BIGINT NOT NULL DEFAULT 0,
    finished_late BIGINT NOT NULL DEFAULT 0,
    processing_seconds BIGINT NOT NULL DEFAULT 0,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    rejected_at_intake BIGINT NOT NULL DEFAULT 0,
    returned BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    supplement_requests BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, month, procedure_id, unit_id)
);

-- Open dossiers (received, not completed), with what "open" and "overdue
-- now" are counted by: only the open ones are in this index.
CREATE INDEX dossiers_open_due ON dossiers (due_at, status, procedure_id, receiving_unit_id)
    WHERE completed_at IS NULL AND received_at IS NOT NULL;
-- Late dossiers of a procedure, for the drill-down.
CREATE INDEX dossiers_late ON dossiers (procedure_id, completed_at)
    WHERE timeliness = 'late';
