rank --input tests/cases/rank/normal.csv --onset 1699990300 --map prefix:_ --top 3
