rank --input tests/cases/rank/wide.csv --onset 1 --colour
