-- The newest migration applied in the writer ({db} = main) or in the DuckLake's copy ({db} = newsflow_lake).
SELECT max(version) FROM {db}.schema_migrations;
