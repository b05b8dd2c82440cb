validate --schema tests/cases/validate/bad_type.yml tests/cases/validate/good.csv
