rank --input tests/cases/rank/wide.csv --onset 1 --top 0
