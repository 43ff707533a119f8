-- State the KPI engine keeps between runs so that a daily run does not read
-- again what cannot have changed (docs/kpis.md, "State kept between runs").

-- K5 risk zones are a function of the cohort, of the closed months M-1 and
-- M, and of the cancellations up to the end of M. They are taken once per
-- (year, M), when a run first needs M, and later runs copy the stored counts.
-- `retentiond cohort --year Y --refreeze` drops the year's zones with its
-- cohort; a run with other thresholds than the stored ones re-takes them.

-- One row per stored (year, M): the thresholds the zones were taken with.
CREATE TABLE kpi.zone_month (
    year       int NOT NULL,
    month      date NOT NULL,        -- M, first day
    taken_at   timestamptz NOT NULL,
    bill_a     numeric NOT NULL,
    minutes_b  numeric NOT NULL,
    minutes_c  numeric NOT NULL,
    members    bigint NOT NULL,      -- the population: cohort members in the network at the end of M
    PRIMARY KEY (year, month)
);

-- Every member of the population with its zone (NULL = unzoned) and the
-- figures it was judged on (a missing usage row reads as zero): the at-risk
-- lists and the moves between months.
CREATE TABLE kpi.zone_member (
    year       int NOT NULL,
    month      date NOT NULL,
    sub_id     bigint NOT NULL,
    branch_id  int NOT NULL,         -- the member's branch in the frozen cohort
    zone       text CHECK (zone IN ('white', 'red', 'yellow', 'blue', 'green')),
    bill       numeric(12,2) NOT NULL,
    mou        int NOT NULL,
    prev_bill  numeric(12,2) NOT NULL,
    prev_mou   int NOT NULL,
    status     text,
    min_commit boolean NOT NULL,
    PRIMARY KEY (year, month, sub_id)
);

-- Per leaf branch with a population: the count of each of the five zones
-- (zero counts included). Runs roll them up the current branch tree.
CREATE TABLE kpi.zone_count (
    year      int NOT NULL,
    month     date NOT NULL,
    branch_id int NOT NULL,
    zone      text NOT NULL,
    members   bigint NOT NULL,
    PRIMARY KEY (year, month, branch_id, zone)
);

-- K3: the target list of a running campaign, each target once (the
-- smallest branch of its rows, and how many rows it has), kept with the
-- count and a checksum of the source rows. Every run recomputes the
-- checksum of dw.bundle_target for the running campaigns (one scan, no
-- join) and takes the list again when either differs.
CREATE TABLE kpi.campaign_target_list (
    campaign_id int PRIMARY KEY,
    taken_at    timestamptz NOT NULL,
    rows        bigint NOT NULL,     -- rows of dw.bundle_target
    checksum    numeric NOT NULL     -- sum of hashint8extended(sub_id, branch_id) over them
);
CREATE TABLE kpi.campaign_target (
    campaign_id int NOT NULL,
    sub_id      bigint NOT NULL,
    branch_id   int NOT NULL,
    rows        bigint NOT NULL,     -- rows of dw.bundle_target for this target (duplicates)
    PRIMARY KEY (campaign_id, sub_id)
);
