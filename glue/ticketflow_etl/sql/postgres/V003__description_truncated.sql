-- A row holds the description's opening of at most 65,535 bytes, as Redshift's VARCHAR(65535) does, and says
-- whether it was cut; the archive object at s3_key holds all of it (docs/limits.md).
ALTER TABLE processed_tickets ADD COLUMN description_truncated boolean NOT NULL DEFAULT false;

-- Rows loaded before the rule: a description over 65,535 bytes, or a ticket id over the 64 characters the
-- model now allows. Forgetting their objects' bookmarks makes the next load read them again, so that they are
-- shaped (or rejected, naming the limit) as a new record is.
DELETE FROM etl_bookmarks
WHERE s3_key IN (
    SELECT s3_key FROM processed_tickets WHERE octet_length(description) > 65535 OR length(ticket_id) > 64
);
DELETE FROM processed_tickets WHERE length(ticket_id) > 64;
