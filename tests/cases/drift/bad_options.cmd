drift --options tests/cases/drift/bad_options.yml --reference tests/cases/drift/ref.csv tests/cases/drift/same.csv
