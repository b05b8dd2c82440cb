skew --offline tests/cases/skew/offline_skewed.csv --served tests/cases/skew/served.jsonl --max-mismatch-rate 1
