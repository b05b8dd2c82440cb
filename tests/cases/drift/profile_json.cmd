profile --format json --top 2 tests/cases/drift/same.csv
