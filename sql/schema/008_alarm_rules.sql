-- Alarms that mean something all year (docs/kpis.md, "Targets and alarms").
--
-- One row per KPI: how its status is judged.
--   target_path     'linear': the KPI's targets are assessed at the end of a
--                   period, and during it the value is judged against the
--                   straight line from the period's start to the target on
--                   its last day (the "path"). K1 and K2: the calendar year,
--                   from 100 % on 1 January; K3: each campaign, from 0 % on
--                   its first day. 'none': judged against the targets
--                   directly.
--   period          'day' or 'month': what "the previous period" is. The
--                   step is measured against the run of the day before (or
--                   the newest run of the calendar month before), and
--                   previous_status is read from the newest run before the
--                   day (or before the month).
--   step            a value falling by more than this since the previous
--                   period is red; NULL: no step rule.
--   recover_margin  a value red in the previous period turns green only
--                   once it clears its base (or the day's base point) by
--                   this much, so that a branch on its line does not flap.
CREATE TABLE kpi.alarm_rule (
    kpi            text PRIMARY KEY,
    target_path    text NOT NULL DEFAULT 'none' CHECK (target_path IN ('linear', 'none')),
    period         text NOT NULL DEFAULT 'day' CHECK (period IN ('day', 'month')),
    step           numeric CHECK (step >= 0),
    recover_margin numeric NOT NULL DEFAULT 0 CHECK (recover_margin >= 0),
    CHECK (target_path = 'none'
           OR kpi IN ('retention_rate', 'in_network_rate', 'bundling_coverage'))
);

COMMENT ON TABLE kpi.alarm_rule IS 'retentiond: how each KPI''s status is judged (docs/kpis.md)';

-- The defaults of issue "alarms that mean something all year"; an operator
-- who had changed the old global steps keeps them where they applied.
INSERT INTO kpi.alarm_rule (kpi, target_path, period, step) VALUES
    ('retention_rate',      'linear', 'day',   NULL),
    ('in_network_rate',     'none',   'day',   NULL),
    ('bundling_coverage',   'linear', 'day',
     coalesce((SELECT value FROM kpi.setting WHERE key = 'step_rate'), 0.01)),
    ('satisfaction',        'none',   'month',
     coalesce((SELECT value FROM kpi.setting WHERE key = 'step_score'), 1.00)),
    ('satisfaction_gotone', 'none',   'month',
     coalesce((SELECT value FROM kpi.setting WHERE key = 'step_score'), 1.00)),
    ('zone_count',          'none',   'month', NULL);
DELETE FROM kpi.setting WHERE key IN ('step_rate', 'step_score');

-- What each value was judged against, and its status in the previous period.
ALTER TABLE kpi.value
    ADD COLUMN path_base       numeric,
    ADD COLUMN path_challenge  numeric,
    ADD COLUMN previous_status text CHECK (previous_status IN ('red', 'green', 'excellent'));
