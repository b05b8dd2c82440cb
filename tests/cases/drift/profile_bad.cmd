profile tests/cases/drift/malformed.csv
