rank --input tests/cases/rank/bad_cell.csv --onset 1700000015
