skew --offline tests/cases/skew/offline_clean.csv --served tests/cases/skew/served.jsonl --key id
