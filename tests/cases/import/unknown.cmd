import --data-dir $TMP tests/cases/import/unknown.txt
