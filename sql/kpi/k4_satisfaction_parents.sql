-- K4 客户满意度, parents at depth $1 of the indicator tree (the root is at
-- depth 0, see pg_temp.indicator_depth; run from the deepest parents up):
-- at each branch, the weighted mean of the children that have a score, weights renormalised over those
-- children; partial when a child has no score or is itself partial. Never
-- averaged across branches: each branch's parent comes from its own
-- children. Numerator and denominator are NULL for parents.
INSERT INTO pg_temp.calc (kpi, branch_id, dim, period, value, partial)
WITH child AS (
    SELECT i.code, i.parent_code, i.weight
    FROM dw.satisfaction_indicator i
    JOIN pg_temp.indicator_depth p ON p.code = i.parent_code AND p.d = $1::int
),
scored AS (
    SELECT c.kpi, c.branch_id, c.period, ch.parent_code, ch.weight, c.value, c.partial
    FROM pg_temp.calc c
    JOIN child ch ON ch.code = c.dim
    WHERE c.kpi IN ('satisfaction', 'satisfaction_gotone')
)
SELECT kpi, branch_id, parent_code, period,
       sum(weight * value) / nullif(sum(weight), 0),
       bool_or(partial)
       OR count(*) < (SELECT count(*) FROM child WHERE child.parent_code = scored.parent_code)
FROM scored
GROUP BY kpi, branch_id, parent_code, period
