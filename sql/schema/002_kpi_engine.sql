-- The KPI engine's tables. One compute run = one row of kpi.run plus its
-- values and data-quality counts, all written in one transaction.

-- Settings: thresholds of the KPI definitions (domain.md), recorded with
-- every run (kpi.run.settings) so that a run can be reproduced.
CREATE TABLE kpi.setting (
    key   text PRIMARY KEY,
    value numeric NOT NULL,
    help  text NOT NULL
);
INSERT INTO kpi.setting (key, value, help) VALUES
    ('k1_baseline_bill', 120.00, 'K1: bill of every baseline month at or above this (cohort)'),
    ('k1_low_bill',       50.00, 'K1: a closed month of the year under this bill is a low month'),
    ('k1_low_months',         3, 'K1: this many low months (cumulative) make a member lost'),
    ('k5_bill_a',        120.00, 'K5: threshold A, bill'),
    ('k5_minutes_b',        300, 'K5: threshold B, calling minutes'),
    ('k5_minutes_c',        150, 'K5: threshold C, low calling minutes'),
    ('step_rate',          0.01, 'alarm: a rate falling by more than this since the previous period is red'),
    ('step_score',         1.00, 'alarm: a satisfaction score falling by more than this is red');

-- Targets per KPI; most specific row wins: a branch over all branches
-- (branch_id NULL), a named dim over every dim (dim '*'; dim NULL is the
-- KPI's total, e.g. all tiers or any policy), a period over all periods
-- (period NULL; 'YYYY', 'YYYY-Qn' or 'YYYY-MM'). Rates are fractions.
CREATE TABLE kpi.target (
    target_id   bigserial PRIMARY KEY,
    kpi         text NOT NULL,
    dim         text,
    branch_id   int,
    period      text CHECK (period ~ '^[0-9]{4}(-Q[1-4]|-[0-9]{2})?$'),
    base        numeric,
    challenge   numeric,
    imported_at timestamptz NOT NULL DEFAULT now(),
    source      text NOT NULL DEFAULT 'default'
);
CREATE UNIQUE INDEX target_key ON kpi.target
    (kpi, coalesce(dim, ''), coalesce(branch_id, -1), coalesce(period, ''));
INSERT INTO kpi.target (kpi, base, challenge) VALUES
    ('retention_rate',      0.77, 0.83),
    ('bundling_coverage',   0.40, 0.60),
    ('satisfaction',        82.00, NULL),
    ('satisfaction_gotone', 82.00, NULL);
UPDATE kpi.target SET dim = '*' WHERE kpi LIKE 'satisfaction%';

CREATE TABLE kpi.run (
    run_id            bigserial PRIMARY KEY,
    as_of             date NOT NULL,
    started_at        timestamptz NOT NULL,
    finished_at       timestamptz,
    last_closed_month date,          -- watermark: the last closed month at as_of
    newest_usage      date,          -- newest month seen in dw.monthly_usage
    newest_cancel     date,          -- newest dw.subscriber.cancelled_on
    newest_contract   date,          -- newest dw.bundle_contract.signed_on
    newest_survey     date,          -- newest dw.survey_response.surveyed_on
    settings          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX run_as_of ON kpi.run (as_of, run_id);

CREATE TABLE kpi.value (
    run_id           bigint NOT NULL REFERENCES kpi.run ON DELETE CASCADE,
    kpi              text NOT NULL,
    branch_id        int NOT NULL,
    branch_code      text NOT NULL,  -- as it was at compute time
    dim              text,
    campaign_id      int,
    period           text,
    numerator        numeric,
    denominator      numeric,
    value            numeric,
    partial          boolean NOT NULL DEFAULT false,
    status           text CHECK (status IN ('red', 'green', 'excellent')),
    reason           text,           -- why red/excellent: below_base, step_decline, ...
    target_base      numeric,
    target_challenge numeric
);
CREATE INDEX value_run ON kpi.value (run_id, kpi, branch_id);

CREATE TABLE kpi.data_quality (
    run_id bigint NOT NULL REFERENCES kpi.run ON DELETE CASCADE,
    rule   text NOT NULL,
    rows   bigint NOT NULL,
    PRIMARY KEY (run_id, rule)
);

-- K1: the frozen cohort of assessment year Y and each member's branch then.
-- good_mask has bit (m - 1) set when month m of Y is closed and the member
-- had a bill >= k1_low_bill in it; folded_mask has the bits of the months
-- folded in so far (a closed month is final: it is folded once).
CREATE TABLE kpi.cohort (
    year        int PRIMARY KEY,
    frozen_at   timestamptz NOT NULL,
    members     bigint NOT NULL,
    folded_mask int NOT NULL DEFAULT 0,
    baseline_bill numeric NOT NULL,
    low_bill    numeric NOT NULL
);
CREATE TABLE kpi.cohort_member (
    year      int NOT NULL,
    sub_id    bigint NOT NULL,
    branch_id int NOT NULL,
    good_mask int NOT NULL DEFAULT 0,
    PRIMARY KEY (year, sub_id)
);

-- K2: the frozen VIP snapshot of 1 January of year Y.
CREATE TABLE kpi.vip_snapshot (
    year      int PRIMARY KEY,
    frozen_at timestamptz NOT NULL,
    members   bigint NOT NULL
);
CREATE TABLE kpi.vip_member (
    year      int NOT NULL,
    sub_id    bigint NOT NULL,
    tier      text NOT NULL,
    branch_id int NOT NULL,
    PRIMARY KEY (year, sub_id)
);

-- Every freeze and re-freeze, for the auditors.
CREATE TABLE kpi.freeze_log (
    logged_at timestamptz NOT NULL DEFAULT now(),
    what      text NOT NULL,         -- cohort | vip_snapshot
    year      int NOT NULL,
    action    text NOT NULL,         -- freeze | refreeze
    members   bigint NOT NULL,
    previous  bigint,
    by_user   text NOT NULL DEFAULT current_user
);

-- Data-quality counts of a closed month of dw.monthly_usage (final once
-- closed, so counted once).
CREATE TABLE kpi.usage_month_dq (
    month              date PRIMARY KEY,
    unknown_subscriber bigint NOT NULL,
    null_bill          bigint NOT NULL,
    negative_bill      bigint NOT NULL
);
