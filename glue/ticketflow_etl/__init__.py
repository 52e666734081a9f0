"""The warehouse ETL: the S3 ticket archive into Redshift (AWS) or PostgreSQL (local)."""
