"""The warehouse ETL: the S3 ticket archive into Redshift (AWS) or PostgreSQL (local).

`run_etl` is the one entry point; the archive, the record validation and the warehouse are small modules
behind it. On AWS it runs in the WarehouseEtl Lambda (`lambdas/warehouse_etl`), bundled with the shared code.
"""
