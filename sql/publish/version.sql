-- The newest migration applied in the writer ({db} = main) or in the DuckLake's copy ({db} =
-- newsflow_lake) that changed what the DuckLake holds: migrations marked as leaving it as it was
-- ($unchanged, pipeline.lake.LAKE_UNCHANGED) are not counted.
SELECT max(version) FROM {db}.schema_migrations WHERE NOT list_contains($unchanged, name);
