drift --reference tests/cases/drift/ref.csv --current tests/cases/drift/shift.csv
