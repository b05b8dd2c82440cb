drift --reference tests/cases/drift/ref.profile tests/cases/drift/shift.csv
