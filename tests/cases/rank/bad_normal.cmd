rank --input tests/cases/rank/wide.csv --normal tests/cases/rank/bad_cell.csv --onset 1700000450
