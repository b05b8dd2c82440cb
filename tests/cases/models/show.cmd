import --data-dir $TMP tests/cases/models/registry.jsonl tests/cases/models/inferences.jsonl > /dev/null && "$bin" models --data-dir $TMP show fraud
