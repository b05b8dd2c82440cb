validate --schema tests/cases/validate/schema.yml tests/cases/validate/nope.csv
