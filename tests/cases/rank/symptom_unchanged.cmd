rank --input tests/cases/rank/wide.csv --onset 1700000450 --map prefix:_ --symptom cart_cpu --top 2
