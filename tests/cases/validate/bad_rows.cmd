validate --schema tests/cases/validate/schema.yml tests/cases/validate/bad_rows.csv
