rank --input tests/cases/rank/bad_time.csv --onset 1700000015
