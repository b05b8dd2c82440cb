drift --reference tests/cases/drift/nope.csv tests/cases/drift/same.csv
