-- K4 客户满意度, leaves: for the calendar month before the month of $1, a
-- leaf indicator's score at a branch is the mean of the valid responses of
-- the branch's whole subtree (pooled: numerator = sum of scores, denominator
-- = number of responses). Valid = score not NULL and within 0..100, a known
-- branch, a leaf indicator. Two variants: all brands (satisfaction) and
-- brand gotone 全球通 (satisfaction_gotone). Duplicate rows are kept.
INSERT INTO pg_temp.calc (kpi, branch_id, dim, period, numerator, denominator, value)
WITH period AS (
    SELECT (date_trunc('month', $1::date) - interval '1 month')::date AS first_day,
           (date_trunc('month', $1::date) - interval '1 day')::date AS last_day
),
leaf AS (
    SELECT i.code
    FROM dw.satisfaction_indicator i
    WHERE NOT EXISTS (SELECT 1 FROM dw.satisfaction_indicator c WHERE c.parent_code = i.code)
),
valid AS (
    SELECT r.branch_id, r.indicator, r.score, r.brand
    FROM dw.survey_response r, period p
    WHERE r.surveyed_on BETWEEN p.first_day AND p.last_day
      AND r.score BETWEEN 0 AND 100
      AND r.branch_id IN (SELECT branch_id FROM dw.branch)
      AND r.indicator IN (SELECT code FROM leaf)
),
variant (kpi, gotone_only) AS (
    VALUES ('satisfaction', false), ('satisfaction_gotone', true)
)
SELECT v.kpi, up.ancestor_id, r.indicator, to_char(p.first_day, 'YYYY-MM'),
       sum(r.score), count(*), sum(r.score) / count(*)
FROM valid r
JOIN variant v ON NOT v.gotone_only OR r.brand = 'gotone'
JOIN pg_temp.branch_up up ON up.branch_id = r.branch_id
CROSS JOIN period p
GROUP BY v.kpi, up.ancestor_id, r.indicator, p.first_day
