-- Stores the run's values and data-quality counts, staged by finalize.sql and
-- data_quality.sql (00_temp_tables.sql: the same columns as the tables).
-- Not run for a run rolled back as unchanged (run_unchanged.sql).
INSERT INTO kpi.value SELECT * FROM pg_temp.stage_value;
INSERT INTO kpi.data_quality SELECT * FROM pg_temp.stage_data_quality
