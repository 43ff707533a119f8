-- The retention of the stored compute runs (runs.keep_days, docs/kpis.md
-- "Stored runs and their retention"): a prune keeps every run that an
-- export in the audit log names (the runs of a quarterly report an auditor
-- was given). It reads those rows through this index, not the whole log (a
-- row for every sign-in, kept for good).
CREATE INDEX audit_export ON kpi.audit_log (audit_id) WHERE action = 'export';
