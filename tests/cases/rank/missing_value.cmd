rank --input tests/cases/rank/wide.csv --onset
