-- Views for support leads. Days are UTC calendar days of submission.

CREATE VIEW tickets_per_day_by_priority AS
SELECT (submitted_at AT TIME ZONE 'UTC')::date AS day, priority, count(*) AS tickets
FROM processed_tickets
GROUP BY 1, 2;

CREATE VIEW tickets_per_day_by_sentiment AS
SELECT (submitted_at AT TIME ZONE 'UTC')::date AS day, sentiment, count(*) AS tickets
FROM processed_tickets
GROUP BY 1, 2;

CREATE VIEW tickets_per_product AS
SELECT product,
       count(*) AS tickets,
       count(*) FILTER (WHERE priority IN ('CRITICAL', 'HIGH')) AS urgent_tickets,
       count(*) FILTER (WHERE sentiment = 'NEGATIVE') AS negative_tickets,
       min(submitted_at) AS first_submitted_at,
       max(submitted_at) AS last_submitted_at
FROM processed_tickets
GROUP BY product;

CREATE VIEW processing_time_per_day AS
SELECT (submitted_at AT TIME ZONE 'UTC')::date AS day,
       count(*) AS tickets,
       avg(seconds) AS avg_seconds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50_seconds,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds) AS p95_seconds
FROM (
    SELECT submitted_at, extract(epoch FROM processed_at - submitted_at)::double precision AS seconds
    FROM processed_tickets
) AS timed
GROUP BY 1;
