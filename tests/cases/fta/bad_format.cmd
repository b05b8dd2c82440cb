fta analyze examples/fta/ml_kpi_drop.yml --format yaml
