rank --input tests/cases/rank/wide.csv --onset 1700000450 --graph tests/cases/rank/bad_graph.csv
