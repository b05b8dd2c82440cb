validate --schema tests/cases/validate/bad_syntax.yml tests/cases/validate/good.csv
