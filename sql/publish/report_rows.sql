-- Write, in the DuckLake's report_articles table, the rows of the articles this publish carries
-- (carried_report.sql computed them).
INSERT INTO newsflow_lake.report_articles BY NAME
SELECT * FROM carried_report;
