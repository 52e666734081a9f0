-- Redshift dialect of postgres/V003. No row here can hold a description over 65,535 bytes or a ticket id over
-- 64 characters (the COPY refuses them), so there is nothing to load again.
ALTER TABLE processed_tickets ADD COLUMN description_truncated BOOLEAN DEFAULT FALSE NOT NULL;
