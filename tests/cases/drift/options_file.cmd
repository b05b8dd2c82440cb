drift --options tests/cases/drift/options.yml --reference tests/cases/drift/ref.csv tests/cases/drift/shift.csv
