skew --offline tests/cases/skew/bad_offline.csv --served tests/cases/skew/served.jsonl
