-- One branch's values across runs by the code they were stored under
-- (kpi/run_values.sql with a branch: `retentiond chart` reads a trend's
-- runs through it). Codes, not ids: the snapshot matches values to branches
-- by code, and a warehouse reload may renumber branch ids.
CREATE INDEX value_run_code ON kpi.value (run_id, kpi, branch_code);
