-- Redshift dialect of postgres/V002.

CREATE VIEW tickets_per_day_by_priority AS
SELECT TRUNC(CONVERT_TIMEZONE('UTC', submitted_at)) AS day, priority, COUNT(*) AS tickets
FROM processed_tickets
GROUP BY 1, 2;

CREATE VIEW tickets_per_day_by_sentiment AS
SELECT TRUNC(CONVERT_TIMEZONE('UTC', submitted_at)) AS day, sentiment, COUNT(*) AS tickets
FROM processed_tickets
GROUP BY 1, 2;

CREATE VIEW tickets_per_product AS
SELECT product,
       COUNT(*) AS tickets,
       SUM(CASE WHEN priority IN ('CRITICAL', 'HIGH') THEN 1 ELSE 0 END) AS urgent_tickets,
       SUM(CASE WHEN sentiment = 'NEGATIVE' THEN 1 ELSE 0 END) AS negative_tickets,
       MIN(submitted_at) AS first_submitted_at,
       MAX(submitted_at) AS last_submitted_at
FROM processed_tickets
GROUP BY product;

CREATE VIEW processing_time_per_day AS
SELECT TRUNC(CONVERT_TIMEZONE('UTC', submitted_at)) AS day,
       COUNT(*) AS tickets,
       AVG(DATEDIFF(millisecond, submitted_at, processed_at) / 1000.0) AS avg_seconds,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY DATEDIFF(millisecond, submitted_at, processed_at) / 1000.0)
           AS p50_seconds,
       PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY DATEDIFF(millisecond, submitted_at, processed_at) / 1000.0)
           AS p95_seconds
FROM processed_tickets
GROUP BY 1;
