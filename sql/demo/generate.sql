-- Demo province generator: deterministic for a seed (every random choice is
-- a hash of the seed, an entity key and a salt), for tests and the demo.
--
--   SELECT demo.generate(seed => 42, scale => 200000, today => DATE '2026-11-22');
--
-- One province (湖北), 12 cities, 151 county branches plus one orphan branch;
-- `scale` subscribers, about a third mid/high-end; usage from October of last
-- year to the last closed month; VIP tiers in the source's proportions; one
-- bundling campaign for the current quarter; monthly survey responses over
-- the indicator tree; and a sprinkling of dirty rows (see demo.dirty_counts).
-- Expects empty dw tables (sql/warehouse/tables.sql).
--
-- The branches differ the way the source's do (demo.branch_profile), so
-- that on most days every KPI has red, green and excellent branches
-- (docs/demo.md says which days do not, and why): K1 from a city near the
-- source's 98.82 % to counties far below the year's path; K2 from counties
-- that lost no VIP to counties that lost several;
-- K3 ending near the source's 41 % for the province, the counties from
-- about 30 % to 55 % (a few beyond the 60 % challenge), some signing early
-- in the campaign and some late; satisfaction at different levels, drifting
-- up in some branches and down in others from month to month.
CREATE SCHEMA IF NOT EXISTS demo;

-- Uniform [0, 1) from (seed, key, salt).
CREATE OR REPLACE FUNCTION demo.r(seed int, k bigint, salt int) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (hashint8extended(k, seed::bigint * 1000003 + salt) & 2147483647)::double precision
           / 2147483648.0
$$;

CREATE OR REPLACE FUNCTION demo.load_branches() RETURNS void LANGUAGE sql AS $$
    INSERT INTO dw.branch VALUES (1, '420000', '湖北省公司', NULL, 0);
    WITH cities(no, name, counties) AS (VALUES
        (1,  '武汉', '{江岸,江汉,硚口,汉阳,武昌,青山,洪山,东西湖,汉南,蔡甸,江夏,黄陂,新洲}'::text[]),
        (2,  '黄石', '{黄石港,西塞山,下陆,铁山,阳新,大冶}'),
        (3,  '十堰', '{茅箭,张湾,郧阳,郧西,竹山,竹溪,房县,丹江口}'),
        (4,  '宜昌', '{西陵,伍家岗,点军,猇亭,夷陵,远安,兴山,秭归,长阳,五峰,宜都,当阳,枝江}'),
        (5,  '襄阳', '{襄城,樊城,襄州,南漳,谷城,保康,老河口,枣阳,宜城}'),
        (6,  '鄂州', '{梁子湖,华容,鄂城}'),
        (7,  '荆门', '{东宝,掇刀,沙洋,钟祥,京山}'),
        (8,  '孝感', '{孝南,孝昌,大悟,云梦,应城,安陆,汉川}'),
        (9,  '荆州', '{沙市,荆州,公安,监利,江陵,石首,洪湖,松滋}'),
        (10, '黄冈', '{黄州,团风,红安,罗田,英山,浠水,蕲春,黄梅,麻城,武穴}'),
        (11, '咸宁', '{咸安,嘉鱼,通城,崇阳,通山,赤壁}'),
        (12, '随州', '{曾都,随县,广水}')),
    city_rows AS (
        INSERT INTO dw.branch
        SELECT 100 + no, '42' || lpad(no::text, 2, '0') || '00', name || '分公司', 1, 1
        FROM cities RETURNING branch_id),
    units AS (
        -- the real counties and districts, then five business zones per city
        SELECT c.no, u.ord, u.name || CASE WHEN u.ord <= cardinality(c.counties)
                                           THEN '分公司' ELSE '营业部' END AS name
        FROM cities c,
             unnest(c.counties || ARRAY[c.name || '高新区', c.name || '经开区', c.name || '城东',
                                        c.name || '城西', c.name || '城南'])
                 WITH ORDINALITY AS u(name, ord))
    INSERT INTO dw.branch
    SELECT 1000 + row_number() OVER (ORDER BY no, ord),
           '42' || lpad(no::text, 2, '0') || lpad(ord::text, 2, '0'), name, 100 + no, 2
    FROM units;
    -- dirty: a county branch without a parent
    INSERT INTO dw.branch VALUES (9999, '429999', '待划分网格', NULL, 2);
$$;

CREATE OR REPLACE FUNCTION demo.load_indicators() RETURNS void LANGUAGE sql AS $$
    INSERT INTO dw.satisfaction_indicator (code, parent_code, weight, name) VALUES
        ('csi',            NULL,      1.00, '客户满意度综合指数'),
        ('hall',           'csi',     0.25, '营业厅服务'),
        ('hall_wait',      'hall',    0.40, '等候时长'),
        ('hall_staff',     'hall',    0.60, '人员服务'),
        ('voice',          'csi',     0.25, '语音质量'),
        ('voice_cover',    'voice',   0.50, '网络覆盖'),
        ('voice_clarity',  'voice',   0.50, '通话质量'),
        ('hotline',        'csi',     0.15, '10086热线'),
        ('hotline_access', 'hotline', 0.50, '接通及时'),
        ('hotline_solve',  'hotline', 0.50, '问题解决'),
        ('newsvc',         'csi',     0.10, '新业务'),
        ('newsvc_data',    'newsvc',  1.00, '数据业务体验'),
        ('promo',          'csi',     0.10, '营销宣传'),
        ('promo_clear',    'promo',   1.00, '资费透明'),
        ('comm',           'csi',     0.15, '客户沟通'),
        ('comm_care',      'comm',    0.50, '客户关怀'),
        ('comm_mgr',       'comm',    0.50, '客户经理服务');
$$;

-- Per county branch; each rate is its city's factor f (宜昌 0.045, the
-- best city, near the source's 98.82 % at year end; 鄂州 1.6, the worst)
-- times a county factor of 0.3-1.7 drawn for that rate, times:
--   `cancel`      0.21: the share of its mid/high-end customers (VIPs
--                 aside) who leave the network in a year (K1's losses from
--                 January on; with the VIPs, 0.2 % to 37 % of a cohort);
--   `decline`     0.09: the share of its mid/high-end whose bill drops
--                 under 50 from some month of January to September (K1's
--                 losses from April on, when the third low month closes);
--   `vip_cancel`  0.007: the share of its VIPs who leave in a year (K2: 0 %
--                 to 1.9 %; at the default scale a county has 75-310 VIPs);
--   `k3_final`    its campaign-end bundling coverage (32 %-56 %, most of
--                 them low; one in sixteen 62 %-66 %, beyond the
--                 challenge), and `k3_shape` how early it signs
--                 (> 1: early, < 1: late; the share of the final coverage
--                 reached at a fraction x of the campaign is x ^ (1 /
--                 k3_shape));
--   `sat_level`   its satisfaction level (79.5-89.5 points) and `sat_phase`
--                 where its drift of +-1.5 points stands.
CREATE OR REPLACE FUNCTION demo.branch_profile(seed int)
RETURNS TABLE (branch_id int, cancel double precision, decline double precision,
               vip_cancel double precision, k3_final double precision,
               k3_shape double precision, sat_level double precision, sat_phase double precision)
LANGUAGE sql STABLE AS $$
    SELECT b.branch_id,
           0.21 * c.f * (0.3 + 1.4 * demo.r(seed, b.branch_id, 31)),
           0.09 * c.f * (0.3 + 1.4 * demo.r(seed, b.branch_id, 35)),
           0.007 * c.f * (0.3 + 1.4 * demo.r(seed, b.branch_id, 36)),
           CASE WHEN demo.r(seed, b.branch_id, 32) >= 0.9375
                THEN 0.62 + 0.04 * (demo.r(seed, b.branch_id, 32) - 0.9375) / 0.0625
                ELSE 0.32 + 0.24 * power(demo.r(seed, b.branch_id, 32) / 0.9375, 1.6) END,
           0.75 + 0.90 * demo.r(seed, b.branch_id, 33),
           79.5 + 10 * demo.r(seed, b.branch_id, 37),
           6.2832 * demo.r(seed, b.branch_id, 34)
    FROM dw.branch b
    CROSS JOIN LATERAL (SELECT (ARRAY[0.95, 1.35, 1.15, 0.045, 0.70, 1.60, 0.50, 1.25, 1.45, 1.05,
                                      0.30, 0.85])[b.parent_id - 100] AS f) c
    WHERE b.level = 2 AND b.parent_id BETWEEN 101 AND 112
$$;

CREATE OR REPLACE FUNCTION demo.generate(seed int, scale int, today date) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    y         int  := extract(year FROM today)::int;
    w_start   date := make_date(y - 1, 10, 1);
    q_start   date := date_trunc('quarter', today)::date;
    q_end     date := (date_trunc('quarter', today) + interval '3 months - 1 day')::date;
    slots     int[];
BEGIN
    IF scale < 1000 OR scale > 10000000 THEN
        RAISE EXCEPTION 'scale % is outside 1000..10000000', scale;
    END IF;
    PERFORM setseed(0);
    PERFORM demo.load_branches();
    PERFORM demo.load_indicators();

    -- Closed billing months: from October of last year; a month closes on
    -- the 5th of the next one.
    INSERT INTO dw.billing_month
    SELECT m::date, (m + interval '1 month 4 days')::date
    FROM generate_series(w_start, today, interval '1 month') AS m
    WHERE (m + interval '1 month 4 days')::date <= today;

    -- Subscribers spread over the county branches, weighted: city 1 (the
    -- capital) and the real districts get more. 1000 slots of branch ids.
    SELECT array_agg(branch_id ORDER BY slot) INTO slots
    FROM (SELECT b.branch_id, row_number() OVER (ORDER BY b.branch_id, g) AS slot
          FROM dw.branch b
          CROSS JOIN LATERAL generate_series(1,
              CASE WHEN b.parent_id = 101 THEN 10 ELSE 5 END
              + CASE WHEN right(b.name, 3) = '营业部' THEN 0 ELSE 3 END) AS g
          WHERE b.level = 2 AND b.parent_id IS NOT NULL) s;

    CREATE TEMP TABLE demo_profile ON COMMIT DROP AS SELECT * FROM demo.branch_profile(seed);

    CREATE TEMP TABLE demo_sub ON COMMIT DROP AS
    SELECT s.*, coalesce(p.cancel, 0.12) AS cancel, coalesce(p.decline, 0.08) AS decline,
           coalesce(p.vip_cancel, 0.006) AS vip_cancel
    FROM (SELECT i AS n,
                 13800000000 + i AS sub_id,
                 slots[1 + floor(demo.r(seed, i, 1) * cardinality(slots))::int] AS branch_id,
                 demo.r(seed, i, 2) < 0.34 AS high,
                 demo.r(seed, i, 3) AS r_bill,
                 demo.r(seed, i, 4) AS r_vip,
                 demo.r(seed, i, 5) AS r_cancel,
                 demo.r(seed, i, 6) AS r_act,
                 demo.r(seed, i, 7) AS r_kind
          FROM generate_series(1, scale) AS i) s
    LEFT JOIN demo_profile p ON p.branch_id = s.branch_id;

    ALTER TABLE demo_sub ADD COLUMN vip boolean, ADD COLUMN base_bill numeric,
        ADD COLUMN activated_on date, ADD COLUMN cancelled_on date, ADD COLUMN decline_from date,
        ADD COLUMN quiet boolean, ADD COLUMN min_commit boolean, ADD COLUMN brand text;
    UPDATE demo_sub SET
        vip = CASE WHEN high THEN r_vip < 0.36 ELSE r_vip < 0.02 END,
        base_bill = CASE WHEN high THEN 128 + 300 * r_bill * r_bill ELSE 8 + 100 * r_bill END,
        -- 5 % activated inside the window, the rest over the last ten years
        activated_on = CASE WHEN r_act < 0.05
                            THEN w_start + floor(r_act / 0.05 * (today - w_start))::int
                            ELSE w_start - 1 - floor((r_act - 0.05) / 0.95 * 3650)::int END,
        -- decliners: the branch's share of its mid/high-end, from January
        -- to September
        decline_from = CASE WHEN high AND demo.r(seed, n, 11) < decline
                            THEN make_date(y, 1 + floor(demo.r(seed, n, 12) * 9)::int, 1) END,
        quiet = high AND r_kind BETWEEN 0.03 AND 0.045,
        min_commit = high AND r_kind > 0.70,
        brand = CASE WHEN high AND r_kind > 0.35 THEN 'gotone'
                     WHEN r_kind > 0.55 THEN 'mzone' ELSE 'easyown' END;
    -- Yearly churn of 5-10 %: the rest 6.5 % a year, mid/high-end VIPs
    -- their branch's vip_cancel, the other mid/high-end its cancel (8 %-9 %
    -- a year in all), plus 2 % who left before the window and have no
    -- usage. The rates are yearly and the dates spread evenly from the
    -- window's start to 31 December (those after today not yet known), so
    -- that the year's losses of an early day are the beginning of those of a
    -- later one, whatever the day the demo is generated for.
    ALTER TABLE demo_sub ADD COLUMN p_cancel double precision;
    UPDATE demo_sub SET p_cancel = (make_date(y, 12, 31) - w_start + 1) / 365.0
                                   * CASE WHEN vip THEN vip_cancel WHEN high THEN cancel ELSE 0.065 END;
    UPDATE demo_sub SET cancelled_on = CASE
        WHEN r_cancel < p_cancel
            THEN greatest(activated_on + 30,
                          w_start + floor(r_cancel / p_cancel * (make_date(y, 12, 31) - w_start + 1))::int)
        WHEN r_cancel > 0.98 AND activated_on < w_start - 400
            THEN w_start - 1 - floor((r_cancel - 0.98) / 0.02 * 365)::int
        END;
    UPDATE demo_sub SET cancelled_on = NULL WHERE cancelled_on > today;

    INSERT INTO dw.subscriber
    SELECT sub_id, branch_id, brand, activated_on, cancelled_on FROM demo_sub ORDER BY sub_id;

    -- Usage, month by month as an ETL loads it: a row per subscriber in the
    -- network during the month. Bill jitters around the subscriber's base;
    -- decliners drop under 50 from their month on; quiet ones stop calling
    -- in the last closed month; the month of cancellation is pre_cancel.
    INSERT INTO dw.monthly_usage (sub_id, month, bill_amount, calling_mou, min_commit, status)
    SELECT s.sub_id, m.month,
           round((CASE WHEN s.decline_from <= m.month THEN 15 + 33 * demo.r(seed, s.n, 100 + m.k)
                       ELSE s.base_bill * (0.88 + 0.30 * demo.r(seed, s.n, 100 + m.k)) END)::numeric, 2),
           (CASE WHEN s.quiet AND m.month = lm.month THEN 0.25 ELSE 1 END
            * CASE WHEN s.decline_from <= m.month THEN 60 ELSE s.base_bill * 1.2 END
            * (1.0 + 1.8 * demo.r(seed, s.n, 200 + m.k)))::int,
           s.min_commit,
           CASE WHEN s.cancelled_on < (m.month + interval '1 month')::date THEN 'pre_cancel'
                WHEN s.cancelled_on < (m.month + interval '2 months')::date
                     AND demo.r(seed, s.n, 300) < 0.5 THEN 'suspended'
                WHEN demo.r(seed, s.n, 400 + m.k) < 0.004 THEN 'suspended'
                ELSE 'active' END
    FROM (SELECT month, row_number() OVER (ORDER BY month)::int AS k FROM dw.billing_month) m
    CROSS JOIN (SELECT max(month) AS month FROM dw.billing_month) lm
    JOIN demo_sub s ON s.activated_on < (m.month + interval '1 month')::date
                   AND (s.cancelled_on IS NULL OR s.cancelled_on >= m.month)
    ORDER BY m.month, s.sub_id;

    -- VIP membership in the source's proportions (821 : 4,113 : 25,165 :
    -- 46,286), valid on 1 January; some expired before, some starting on the
    -- snapshot day, some after it, and overlapping rows for upgraded members.
    INSERT INTO dw.vip_membership
    SELECT sub_id,
           CASE WHEN t < 0.010748 THEN 'diamond' WHEN t < 0.064594 THEN 'gold'
                WHEN t < 0.394050 THEN 'silver' ELSE 'member' END,
           CASE WHEN k < 0.02 THEN make_date(y, 1, 1)
                WHEN k < 0.05 THEN make_date(y, 1, 1) + 1 + floor(k * 2000)::int % 200
                ELSE make_date(y - 1, 12, 31) - floor(k * 2500)::int END,
           CASE WHEN k > 0.97 THEN make_date(y - 1, 12, 31) - floor((k - 0.97) * 3000)::int
                WHEN k > 0.90 THEN make_date(y, 12, 31)
                END
    FROM (SELECT sub_id, demo.r(seed, n, 8) AS t, demo.r(seed, n, 9) AS k
          FROM demo_sub WHERE vip AND activated_on < make_date(y - 1, 12, 1)) v;
    INSERT INTO dw.vip_membership
    SELECT sub_id, 'member', make_date(y - 3, 6, 1), NULL
    FROM demo_sub
    WHERE vip AND demo.r(seed, n, 10) < 0.03 AND activated_on < make_date(y - 3, 6, 1);

    -- The current quarter's bundling campaign: targets are the mid/high-end
    -- customers in the network when it starts; contracts accumulate day by
    -- day to the branch's k3_final by quarter end (about 41 % for the
    -- province), early or late by its k3_shape (only up to today, of course).
    INSERT INTO dw.bundle_campaign VALUES
        (1, extract(year FROM q_start) || '年第' || extract(quarter FROM q_start)
            || '季度中高端客户捆绑攻坚', q_start, q_end,
         '{prepay_credit,family_plan,handset}');
    INSERT INTO dw.bundle_target
    SELECT 1, sub_id, branch_id FROM demo_sub
    WHERE high AND activated_on < q_start AND (cancelled_on IS NULL OR cancelled_on >= q_start)
    ORDER BY sub_id;

    -- a target signs when r20 < its branch's k3_final (a little more, for the
    -- contracts that end and the customers who leave), on the day at the
    -- fraction (r20 / that) ^ k3_shape of the quarter
    CREATE TEMP TABLE demo_sign ON COMMIT DROP AS
    SELECT s.n, s.sub_id,
           CASE WHEN demo.r(seed, s.n, 20) < least(0.98, coalesce(p.k3_final, 0.41) * 1.04)
                THEN q_start + floor(power(demo.r(seed, s.n, 20)
                                           / least(0.98, coalesce(p.k3_final, 0.41) * 1.04),
                                           coalesce(p.k3_shape, 1))
                                     * (q_end - q_start + 1))::int
                ELSE q_end + 1 END AS signed_on,
           demo.r(seed, s.n, 21) AS p, demo.r(seed, s.n, 22) AS e
    FROM demo_sub s
    JOIN dw.bundle_target t ON t.sub_id = s.sub_id AND t.campaign_id = 1
    LEFT JOIN demo_profile p ON p.branch_id = s.branch_id;
    INSERT INTO dw.bundle_contract
    SELECT row_number() OVER (ORDER BY sub_id, policy, signed_on), sub_id, policy, signed_on, ended_on
    FROM (
        SELECT sub_id, CASE WHEN p < 0.5 THEN 'prepay_credit' WHEN p < 0.8 THEN 'family_plan'
                            ELSE 'handset' END AS policy, signed_on,
               CASE WHEN e < 0.03 THEN signed_on + 1 + floor(e * 1000)::int END AS ended_on
        FROM demo_sign WHERE signed_on <= least(q_end, today)
        UNION ALL -- a second policy for one in ten
        SELECT sub_id, CASE WHEN p < 0.5 THEN 'family_plan' ELSE 'handset' END,
               least(signed_on + 3, today), NULL
        FROM demo_sign WHERE signed_on <= least(q_end, today) AND e > 0.9
        UNION ALL -- old contracts, signed before the window: they do not count
        SELECT sub_id, 'handset', q_start - 100 - floor(p * 200)::int, NULL
        FROM demo_sign WHERE p > 0.95
    ) c;
    UPDATE dw.bundle_contract SET ended_on = NULL WHERE ended_on > today;

    -- Survey responses: per county branch, month and leaf indicator, about
    -- six answers (a leaf is sometimes skipped: the tree is then partial).
    INSERT INTO dw.survey_response
    SELECT row_number() OVER (ORDER BY b.branch_id, m, i.code, g),
           b.branch_id,
           CASE WHEN demo.r(seed, b.branch_id * 100000 + g, hashtext(i.code) + extract(epoch FROM m)::int % 1000) < 0.4
                THEN 'gotone' WHEN b.branch_id % 2 = 0 THEN 'mzone' ELSE 'easyown' END,
           least(today, (m + make_interval(days => (g * 5) % 28))::date),
           i.code,
           least(100, greatest(35, round((coalesce(p.sat_level, 84)
                 + 14 * (demo.r(seed, b.branch_id * 1000 + g, hashtext(i.code) + extract(month FROM m)::int) - 0.5)
                 -- a drift of +-1.5 points, up in some branches while down in others
                 + 1.5 * sin(0.8 * (extract(year FROM m) * 12 + extract(month FROM m)) + coalesce(p.sat_phase, 0)))::numeric, 2)))
    FROM dw.branch b
    LEFT JOIN demo_profile p ON p.branch_id = b.branch_id
    CROSS JOIN generate_series(w_start, today, interval '1 month') AS m
    CROSS JOIN dw.satisfaction_indicator i
    CROSS JOIN generate_series(1, 6) AS g
    WHERE b.level = 2 AND b.parent_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM dw.satisfaction_indicator c WHERE c.parent_code = i.code)
      AND m + make_interval(days => (g * 5) % 28) <= today
      AND NOT (i.code = 'newsvc_data' AND (b.branch_id + extract(month FROM m)::int) % 10 = 0);

    PERFORM demo.add_dirty_rows(seed, today);
END
$fn$;

-- The dirty rows domain.md lists, a documented number of each.
CREATE OR REPLACE FUNCTION demo.add_dirty_rows(seed int, today date) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    last_month date := (SELECT max(month) FROM dw.billing_month);
    next_id    bigint := (SELECT max(response_id) FROM dw.survey_response) + 1;
    -- the dirty survey rows go into last month, the month K4 reports
    sday       date := (date_trunc('month', today) - interval '1 month')::date;
BEGIN
    -- usage of 50 unknown subscribers, in the last closed month
    INSERT INTO dw.monthly_usage
    SELECT 19900000000 + g, last_month, 88.00, 100, false, 'active' FROM generate_series(1, 50) g;
    -- NULL bills (a low month) and negative bills (refunds), 1 in 5,000 and 1 in 10,000 rows
    UPDATE dw.monthly_usage SET bill_amount = NULL
    WHERE demo.r(seed, sub_id, 500 + extract(month FROM month)::int) < 0.0002;
    UPDATE dw.monthly_usage SET bill_amount = -round((5 + 40 * demo.r(seed, sub_id, 600))::numeric, 2)
    WHERE demo.r(seed, sub_id, 700 + extract(month FROM month)::int) < 0.0001
      AND bill_amount IS NOT NULL;
    -- survey: NULL scores, out-of-range scores, unknown branch, non-leaf indicator, duplicates
    UPDATE dw.survey_response SET score = NULL WHERE response_id % 9973 = 17;
    INSERT INTO dw.survey_response
    SELECT next_id + g, 1001, 'gotone', sday + g, 'hall_staff', CASE WHEN g % 2 = 0 THEN 120 ELSE -5 END
    FROM generate_series(0, 14) g;
    INSERT INTO dw.survey_response
    SELECT next_id + 100 + g, 8888, 'mzone', sday + g, 'hall_wait', 80 FROM generate_series(0, 9) g;
    INSERT INTO dw.survey_response
    SELECT next_id + 200 + g, 1002, 'easyown', sday + g, 'hall', 85 FROM generate_series(0, 9) g;
    INSERT INTO dw.survey_response
    SELECT next_id + 300 + row_number() OVER (ORDER BY response_id), branch_id, brand, surveyed_on,
           indicator, score
    FROM dw.survey_response WHERE response_id % 4999 = 3 AND response_id < next_id;
END
$fn$;
