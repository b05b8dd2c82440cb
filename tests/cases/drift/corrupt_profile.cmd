drift --reference tests/cases/drift/corrupt.profile tests/cases/drift/same.csv
