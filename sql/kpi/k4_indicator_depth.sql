-- K4: the depth of every indicator reachable from a root (the root is at
-- depth 0; UNION and the bound of 32 stop a cycle). Compute runs
-- k4_satisfaction_parents.sql for each parent level, deepest first.
INSERT INTO pg_temp.indicator_depth (code, d)
WITH RECURSIVE depth (code, d) AS (
    SELECT code, 0 FROM dw.satisfaction_indicator WHERE parent_code IS NULL
    UNION
    SELECT i.code, depth.d + 1
    FROM dw.satisfaction_indicator i
    JOIN depth ON i.parent_code = depth.code
    WHERE depth.d < 32
)
SELECT code, d FROM depth
