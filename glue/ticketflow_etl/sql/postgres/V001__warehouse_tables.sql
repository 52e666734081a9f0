-- The warehouse tables: one row per processed ticket, the records the ETL refused, and its bookmark.
-- Column names are the fields of ticketflow.model.ProcessedTicket, so a record maps onto a row by name.

CREATE TABLE processed_tickets (
    ticket_id                text PRIMARY KEY,
    submitted_at             timestamptz NOT NULL,
    processed_at             timestamptz NOT NULL,
    customer_first_name      text NOT NULL,
    customer_last_name       text NOT NULL,
    customer_full_name       text NOT NULL,
    customer_email           text NOT NULL,
    customer_company         text,
    product                  text NOT NULL,
    issue_type               text NOT NULL,
    subject                  text NOT NULL,
    description              text NOT NULL,
    response_text            text NOT NULL,
    sentiment                text NOT NULL CHECK (sentiment IN ('POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED')),
    sentiment_score_positive double precision NOT NULL,
    sentiment_score_negative double precision NOT NULL,
    sentiment_score_neutral  double precision NOT NULL,
    sentiment_score_mixed    double precision NOT NULL,
    priority                 text NOT NULL CHECK (priority IN ('CRITICAL', 'HIGH', 'MEDIUM', 'NORMAL')),
    priority_reasoning       text NOT NULL,
    s3_key                   text NOT NULL,
    s3_etag                  text NOT NULL,
    loaded_at                timestamptz NOT NULL
);

CREATE INDEX processed_tickets_submitted_at_idx ON processed_tickets (submitted_at);
CREATE INDEX processed_tickets_product_idx ON processed_tickets (product);

CREATE TABLE rejected_records (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    s3_key      text NOT NULL,
    s3_etag     text NOT NULL,
    reason      text NOT NULL,
    rejected_at timestamptz NOT NULL
);

CREATE INDEX rejected_records_s3_key_idx ON rejected_records (s3_key);

-- Which archive objects are done, loaded or rejected: an object is read again when its ETag changes.
CREATE TABLE etl_bookmarks (
    s3_key        text PRIMARY KEY,
    s3_etag       text NOT NULL,
    last_modified timestamptz NOT NULL,
    loaded_at     timestamptz NOT NULL
);
