schema infer tests/cases/validate/empty.csv
