-- K2 大客户在网率 at date $2 of the frozen snapshot of year $1: in network =
-- not cancelled on or before $2 (suspension and pre-cancellation still count
-- as in network; a member unknown to dw.subscriber is in the network). Only
-- the subscribers cancelled on or before $2 are read (the partial index on
-- cancelled_on). Per tier (dim = tier) and over all tiers (dim NULL).
-- key_account_loss marks a branch where a diamond or gold member cancelled.
INSERT INTO pg_temp.calc (kpi, branch_id, dim, period, numerator, denominator, value,
                          key_account_loss)
WITH cancelled AS (
    SELECT sub_id FROM dw.subscriber WHERE cancelled_on <= $2::date
),
member AS (
    SELECT vm.branch_id, vm.tier, c.sub_id IS NULL AS in_network
    FROM kpi.vip_member vm
    LEFT JOIN cancelled c ON c.sub_id = vm.sub_id
    WHERE vm.year = $1::int
),
per_branch AS (
    SELECT branch_id, tier, count(*) AS members, count(*) FILTER (WHERE in_network) AS kept
    FROM member
    GROUP BY branch_id, tier
),
rolled AS (
    SELECT up.ancestor_id AS branch_id, p.tier, sum(p.members) AS members, sum(p.kept) AS kept
    FROM per_branch p
    JOIN pg_temp.branch_up up ON up.branch_id = p.branch_id
    GROUP BY up.ancestor_id, p.tier
)
SELECT 'in_network_rate', branch_id, tier, $1::text, kept, members, kept::numeric / members,
       tier IN ('diamond', 'gold') AND kept < members
FROM rolled
UNION ALL
SELECT 'in_network_rate', branch_id, NULL, $1::text, sum(kept), sum(members),
       sum(kept)::numeric / sum(members),
       bool_or(tier IN ('diamond', 'gold') AND kept < members)
FROM rolled
GROUP BY branch_id
