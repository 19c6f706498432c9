-- How many rows the writer's table {table} holds (store.fresh_rows starts from its end).
SELECT count(*) FROM main.{table};
