fta analyze examples/fta/ml_kpi_drop.yml --top nope
