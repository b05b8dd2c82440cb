rank --input tests/cases/rank/nope.csv --onset 1
