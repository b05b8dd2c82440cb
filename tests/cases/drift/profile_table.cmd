profile tests/cases/drift/ref.csv
