drift --model nope --reference tests/cases/drift/ref.profile tests/cases/drift/same.csv
