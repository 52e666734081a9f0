-- Redshift dialect of postgres/V001: VARCHAR(65535) instead of text (Redshift's TEXT is VARCHAR(256)),
-- no CHECK constraints, keys are informational. Column names are the fields of ProcessedTicket, so
-- COPY ... FORMAT AS JSON 'auto' maps a staged record onto a row by name.

CREATE TABLE processed_tickets (
    ticket_id                VARCHAR(64) NOT NULL PRIMARY KEY,
    submitted_at             TIMESTAMPTZ NOT NULL,
    processed_at             TIMESTAMPTZ NOT NULL,
    customer_first_name      VARCHAR(1024) NOT NULL,
    customer_last_name       VARCHAR(1024) NOT NULL,
    customer_full_name       VARCHAR(2048) NOT NULL,
    customer_email           VARCHAR(1024) NOT NULL,
    customer_company         VARCHAR(1024),
    product                  VARCHAR(1024) NOT NULL,
    issue_type               VARCHAR(1024) NOT NULL,
    subject                  VARCHAR(65535) NOT NULL,
    description              VARCHAR(65535) NOT NULL,
    response_text            VARCHAR(65535) NOT NULL,
    sentiment                VARCHAR(16) NOT NULL,
    sentiment_score_positive DOUBLE PRECISION NOT NULL,
    sentiment_score_negative DOUBLE PRECISION NOT NULL,
    sentiment_score_neutral  DOUBLE PRECISION NOT NULL,
    sentiment_score_mixed    DOUBLE PRECISION NOT NULL,
    priority                 VARCHAR(16) NOT NULL,
    priority_reasoning       VARCHAR(65535) NOT NULL,
    s3_key                   VARCHAR(1024) NOT NULL,
    s3_etag                  VARCHAR(128) NOT NULL,
    loaded_at                TIMESTAMPTZ NOT NULL
)
DISTKEY (ticket_id)
SORTKEY (submitted_at);

CREATE TABLE rejected_records (
    id          BIGINT IDENTITY(1, 1),
    s3_key      VARCHAR(1024) NOT NULL,
    s3_etag     VARCHAR(128) NOT NULL,
    reason      VARCHAR(65535) NOT NULL,
    rejected_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE etl_bookmarks (
    s3_key        VARCHAR(1024) NOT NULL PRIMARY KEY,
    s3_etag       VARCHAR(128) NOT NULL,
    last_modified TIMESTAMPTZ NOT NULL,
    loaded_at     TIMESTAMPTZ NOT NULL
);
