-- The daily bulletins (docs/bulletin.md): what was generated and archived,
-- who it went to, and the extra addresses per branch. Shared by every
-- daemon on this database, so that two daemons on one warehouse generate
-- and mail each bulletin once: the unique keys below are that promise.

-- Extra recipients of a branch's bulletin, besides the users with an e-mail
-- address (`retentiond bulletin recipients add CODE ADDR`). The province's
-- code is the province bulletin's.
CREATE TABLE kpi.bulletin_recipient (
    branch_code text NOT NULL,
    address     text NOT NULL CHECK (address ~ '^[^@[:space:]<>",]+@[^@[:space:]<>",]+$'),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (branch_code, address)
);

-- One row per archived bulletin: a date, a branch, a version. A bulletin
-- generated again with other figures (a corrected run) is the next version,
-- never an overwrite. The files are under the generating daemon's data
-- directory (path, relative to it), each with its SHA-256.
CREATE TABLE kpi.bulletin (
    bulletin_id  bigserial PRIMARY KEY,
    as_of        date NOT NULL,     -- the bulletin's date
    branch_code  text NOT NULL,
    version      integer NOT NULL CHECK (version >= 1),
    run_id       bigint NOT NULL,   -- the compute run of its figures (kpi.run; kept after it goes)
    data_as_of   date NOT NULL,     -- that run's date: before as_of when the day's run was late
    lang         text NOT NULL,
    path         text NOT NULL,     -- bulletins/DATE/CODE.vN (+ .html, .pdf, .png)
    html_sha256  text NOT NULL,
    pdf_sha256   text NOT NULL,
    png_sha256   text NOT NULL,
    html_bytes   integer NOT NULL,
    pdf_bytes    integer NOT NULL,
    png_bytes    integer NOT NULL,
    generated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    generated_by text NOT NULL,     -- host:pid of the daemon (or command)
    mailed       boolean NOT NULL,  -- deliveries were made for it (catch-up days may be archived only)
    UNIQUE (as_of, branch_code, version)
);

-- One row per (bulletin, recipient): claimed by the daemon that sends it,
-- so that nobody else does. A claim older than the lease (its daemon died
-- while sending) may be taken over.
CREATE TABLE kpi.bulletin_delivery (
    delivery_id  bigserial PRIMARY KEY,
    bulletin_id  bigint NOT NULL REFERENCES kpi.bulletin,
    address      text NOT NULL,
    user_name    text,              -- kpi.app_user.name, NULL for an extra address
    status       text NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
    claimed_by   text NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    attempts     integer NOT NULL DEFAULT 0,
    sent_at      timestamptz,
    pdf_linked   boolean NOT NULL DEFAULT false, -- over the size budget: a link instead
    message_id   text NOT NULL,
    smtp_reply   integer,
    error        text,
    UNIQUE (bulletin_id, address)
);
CREATE INDEX bulletin_delivery_open ON kpi.bulletin_delivery (claimed_at) WHERE status = 'sending';
