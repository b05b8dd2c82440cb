drift --reference tests/cases/skew/offline_skewed.csv --input inferences --skip request_id tests/cases/skew/served.jsonl
