-- The public view of each dossier (status, due time, timeliness, timeline
-- with the recorded reasons), folded from the dossier's events by the same
-- function as a fresh fold and rewritten in the same transaction as each
-- of its events, so the public lookup is one indexed read. NULL for rows
-- written before this migration or by a bulk loader: the lookup then folds
-- the events, and the next event of the dossier folds them all into it.
ALTER TABLE dossiers ADD COLUMN public_view TEXT;
