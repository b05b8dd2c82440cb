validate tests/cases/validate/good.csv
