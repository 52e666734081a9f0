"""The warehouse ETL: the S3 ticket archive into Redshift (AWS) or PostgreSQL (local).

`run_etl` is the one entry point; the archive, the record validation and the warehouse are small modules
behind it. Everything but the CLI side runs on Python 3.9 too, because a Glue Python shell job does.
"""
