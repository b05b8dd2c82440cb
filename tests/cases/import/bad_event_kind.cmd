import --data-dir $TMP tests/cases/import/bad_event_kind.jsonl
