schema infer --batch-rows 500 tests/cases/validate/train.csv
