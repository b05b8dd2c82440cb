rank --input tests/cases/rank/wide.csv --onset 1 --inject-time 2
