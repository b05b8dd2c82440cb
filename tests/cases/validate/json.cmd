validate --format json --schema tests/cases/validate/schema.yml tests/cases/validate/bad_range.csv
