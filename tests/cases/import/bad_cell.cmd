import --data-dir $TMP tests/cases/import/bad_cell.csv
