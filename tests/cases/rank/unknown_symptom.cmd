rank --input tests/cases/rank/wide.csv --onset 1700000450 --symptom nope
