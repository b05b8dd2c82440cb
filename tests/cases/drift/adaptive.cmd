drift --adaptive --chunks 5 --reference tests/cases/drift/ref.csv tests/cases/drift/same.csv
