-- Fills the monitoring counters from the dossiers and events already there
-- (sqlite); the same recount as `sen_store::monitoring::recount`.
INSERT INTO monitoring_daily (tenant_id, procedure_id, unit_id, day, submitted, submitted_online,
    received, received_online, finished_early, finished_on_time, finished_late, processing_seconds,
    withdrawn, rejected_at_intake, returned, rated, rating_sum, satisfied, supplement_requests)
SELECT tenant_id, procedure_id, unit_id, day,
    CAST(SUM(submitted) AS BIGINT), CAST(SUM(submitted_online) AS BIGINT),
    CAST(SUM(received) AS BIGINT), CAST(SUM(received_online) AS BIGINT),
    CAST(SUM(finished_early) AS BIGINT), CAST(SUM(finished_on_time) AS BIGINT),
    CAST(SUM(finished_late) AS BIGINT), CAST(SUM(processing_seconds) AS BIGINT),
    CAST(SUM(withdrawn) AS BIGINT), CAST(SUM(rejected_at_intake) AS BIGINT),
    CAST(SUM(returned) AS BIGINT), CAST(SUM(rated) AS BIGINT), CAST(SUM(rating_sum) AS BIGINT),
    CAST(SUM(satisfied) AS BIGINT), CAST(SUM(supplement_requests) AS BIGINT)
FROM (
    SELECT tenant_id, procedure_id, receiving_unit_id AS unit_id, date(created_at, '+7 hours') AS day,
        1 AS submitted, CASE WHEN channel = 'online' THEN 1 ELSE 0 END AS submitted_online,
        0 AS received, 0 AS received_online, 0 AS finished_early, 0 AS finished_on_time,
        0 AS finished_late, 0 AS processing_seconds, 0 AS withdrawn,
        CASE WHEN status = 'rejected_at_intake' THEN 1 ELSE 0 END AS rejected_at_intake,
        0 AS returned,
        CASE WHEN completed_at IS NULL AND rating IS NOT NULL THEN 1 ELSE 0 END AS rated,
        CASE WHEN completed_at IS NULL AND rating IS NOT NULL THEN rating ELSE 0 END AS rating_sum,
        CASE WHEN completed_at IS NULL AND rating >= 4 THEN 1 ELSE 0 END AS satisfied,
        0 AS supplement_requests
    FROM dossiers
    UNION ALL
    SELECT tenant_id, procedure_id, receiving_unit_id, date(received_at, '+7 hours'),
        0, 0, 1, CASE WHEN channel = 'online' THEN 1 ELSE 0 END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM dossiers WHERE received_at IS NOT NULL
    UNION ALL
    SELECT tenant_id, procedure_id, receiving_unit_id, date(completed_at, '+7 hours'),
        0, 0, 0, 0,
        CASE WHEN timeliness = 'early' THEN 1 ELSE 0 END,
        CASE WHEN timeliness = 'on_time' THEN 1 ELSE 0 END,
        CASE WHEN timeliness = 'late' THEN 1 ELSE 0 END,
        CASE WHEN timeliness IS NOT NULL AND received_at IS NOT NULL
            THEN CAST(strftime('%s', completed_at) AS INTEGER) - CAST(strftime('%s', received_at) AS INTEGER) ELSE 0 END,
        CASE WHEN timeliness IS NULL THEN 1 ELSE 0 END,
        0,
        CASE WHEN status = 'returned' THEN 1 ELSE 0 END,
        CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END,
        CASE WHEN rating IS NOT NULL THEN rating ELSE 0 END,
        CASE WHEN rating >= 4 THEN 1 ELSE 0 END,
        0
    FROM dossiers WHERE completed_at IS NOT NULL
    UNION ALL
    SELECT d.tenant_id, d.procedure_id, d.receiving_unit_id, substr(json_extract(e.payload, '$.at_local'), 1, 10),
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    FROM events e JOIN dossiers d ON d.id = e.object_id
    WHERE e.object_type = 'dossier' AND e.action = 'dossier.request_supplement'
) c
GROUP BY tenant_id, procedure_id, unit_id, day;

INSERT INTO monitoring_monthly (tenant_id, procedure_id, unit_id, month, submitted, submitted_online,
    received, received_online, finished_early, finished_on_time, finished_late, processing_seconds,
    withdrawn, rejected_at_intake, returned, rated, rating_sum, satisfied, supplement_requests)
SELECT tenant_id, procedure_id, unit_id, substr(day, 1, 7), SUM(submitted), SUM(submitted_online),
    SUM(received), SUM(received_online), SUM(finished_early), SUM(finished_on_time), SUM(finished_late),
    SUM(processing_seconds), SUM(withdrawn), SUM(rejected_at_intake), SUM(returned), SUM(rated),
    SUM(rating_sum), SUM(satisfied), SUM(supplement_requests)
FROM monitoring_daily GROUP BY tenant_id, procedure_id, unit_id, substr(day, 1, 7);
