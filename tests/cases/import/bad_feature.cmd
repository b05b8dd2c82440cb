import --data-dir $TMP tests/cases/import/bad_feature.jsonl
