drift --reference tests/cases/drift/ref.csv tests/cases/drift/same.csv
