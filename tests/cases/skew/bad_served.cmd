skew --offline tests/cases/skew/offline_clean.csv --served tests/cases/skew/bad_served.jsonl
