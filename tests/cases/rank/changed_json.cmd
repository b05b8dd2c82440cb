rank --input tests/cases/rank/wide.csv --onset 2023-11-14T22:20:50Z --map prefix:_ --graph tests/cases/rank/graph.csv --direction up --top 2 --format json
