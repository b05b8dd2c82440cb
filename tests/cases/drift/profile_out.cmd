profile --out $TMP/ref.profile tests/cases/drift/ref.csv
