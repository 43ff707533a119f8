-- retentiond's own schema. The warehouse (dw) is read-only for the daemon;
-- everything retentiond writes lives here. kpi.schema_version is created by
-- the migration runner itself before this file runs.
CREATE SCHEMA IF NOT EXISTS kpi;

COMMENT ON SCHEMA kpi IS 'retentiond: KPI runs, frozen cohorts, targets (never the warehouse)';
