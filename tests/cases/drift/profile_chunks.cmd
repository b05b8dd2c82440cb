profile --chunks 3 --top 1 --model fraud --model-version 2 tests/cases/drift/same.csv
