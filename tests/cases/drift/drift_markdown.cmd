drift --format markdown --reference tests/cases/drift/ref.csv tests/cases/drift/shift.csv
