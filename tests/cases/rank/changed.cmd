rank --input tests/cases/rank/wide.csv --normal tests/cases/rank/normal.csv --onset 1700000450 --map prefix:_ --graph tests/cases/rank/graph.csv --symptom front_latency --direction up
