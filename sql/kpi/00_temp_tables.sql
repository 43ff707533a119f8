-- Scratch tables of one compute run (dropped at commit). calc holds the
-- values of every KPI per branch before targets and alarms are applied.
CREATE TEMP TABLE branch_up (
    branch_id   int NOT NULL,
    ancestor_id int NOT NULL
) ON COMMIT DROP;

CREATE TEMP TABLE calc (
    kpi              text NOT NULL,
    branch_id        int NOT NULL,
    dim              text,
    campaign_id      int,
    period           text,
    numerator        numeric,
    denominator      numeric,
    value            numeric,
    partial          boolean NOT NULL DEFAULT false,
    key_account_loss boolean NOT NULL DEFAULT false
) ON COMMIT DROP;

-- K4: each indicator's depth in the tree (root 0), filled once per run.
CREATE TEMP TABLE indicator_depth (
    code text NOT NULL,
    d    int NOT NULL
) ON COMMIT DROP;

-- Data-quality counts a KPI step takes in its own pass (K3: the target rows
-- of unknown subscribers), read by data_quality.sql.
CREATE TEMP TABLE run_quality (
    rule text NOT NULL,
    rows bigint NOT NULL
) ON COMMIT DROP;

-- The run's rows, staged by finalize.sql and data_quality.sql: compared with
-- the date's newest stored run (run_unchanged.sql), then copied into
-- kpi.value and kpi.data_quality by run_store.sql when the run is stored, so
-- that a run rolled back as unchanged has written none of them.
CREATE TEMP TABLE stage_value (LIKE kpi.value INCLUDING DEFAULTS) ON COMMIT DROP;
CREATE TEMP TABLE stage_data_quality (LIKE kpi.data_quality INCLUDING DEFAULTS) ON COMMIT DROP;

-- The rows of the step run on the shards (kpi.shard_exec: each shard's
-- result rows as jsonb), read by the step's *_store.sql.
CREATE TEMP TABLE shard_rows (
    row jsonb NOT NULL
) ON COMMIT DROP;
