fta analyze examples/fta/latency_slo.yml --format json --limit 2
