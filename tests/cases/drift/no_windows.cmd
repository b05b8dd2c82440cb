drift tests/cases/drift/same.csv
