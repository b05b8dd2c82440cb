rank --input tests/cases/rank/backwards.csv --onset 1700000015
