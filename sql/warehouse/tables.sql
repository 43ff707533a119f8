-- The warehouse source contract (schema dw), as the operator's ETL fills it.
-- retentiond only reads these tables. This DDL is for tests and the demo;
-- docs/warehouse.md describes the contract. No foreign keys: a real
-- warehouse holds dirty rows (orphan usage, branches without a parent),
-- and retentiond reports them instead of relying on the database to refuse.
CREATE SCHEMA IF NOT EXISTS dw;

CREATE TABLE dw.branch (
    branch_id int PRIMARY KEY,
    code      text NOT NULL UNIQUE,
    name      text NOT NULL,            -- UTF-8, Chinese
    parent_id int,                      -- NULL = province root
    level     smallint NOT NULL         -- 0 province, 1 city, 2 county
);

CREATE TABLE dw.subscriber (
    sub_id       bigint PRIMARY KEY,
    branch_id    int NOT NULL,          -- owning leaf branch
    brand        text NOT NULL,         -- gotone, mzone, easyown
    activated_on date NOT NULL,
    cancelled_on date                   -- left the network
);

CREATE TABLE dw.vip_membership (
    sub_id     bigint NOT NULL,
    tier       text NOT NULL,           -- diamond, gold, silver, member
    valid_from date NOT NULL,
    valid_to   date                     -- NULL = open-ended; both ends inclusive
);

CREATE TABLE dw.billing_month (
    month     date PRIMARY KEY,         -- first day of the month
    closed_on date NOT NULL             -- when that month's billing became final
);

CREATE TABLE dw.monthly_usage (
    sub_id      bigint NOT NULL,
    month       date NOT NULL,          -- first day of the month
    bill_amount numeric(12,2),
    calling_mou int,
    min_commit  boolean,
    status      text,                   -- active, suspended, pre_cancel
    PRIMARY KEY (sub_id, month)
);

CREATE TABLE dw.bundle_campaign (
    campaign_id int PRIMARY KEY,
    name        text NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    policies    text[] NOT NULL
);

CREATE TABLE dw.bundle_target (
    campaign_id int NOT NULL,
    sub_id      bigint NOT NULL,
    branch_id   int NOT NULL
);

CREATE TABLE dw.bundle_contract (
    contract_id bigint PRIMARY KEY,
    sub_id      bigint NOT NULL,
    policy      text NOT NULL,          -- prepay_credit, family_plan, handset
    signed_on   date NOT NULL,
    ended_on    date
);

CREATE TABLE dw.satisfaction_indicator (
    code        text PRIMARY KEY,
    parent_code text,
    weight      numeric NOT NULL,
    name        text NOT NULL
);

CREATE TABLE dw.survey_response (
    response_id bigint PRIMARY KEY,
    branch_id   int,
    brand       text,
    surveyed_on date NOT NULL,
    indicator   text,
    score       numeric(5,2)
);
