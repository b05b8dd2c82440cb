import --data-dir $TMP tests/cases/models/registry.jsonl tests/cases/models/inferences.jsonl && "$bin" models --data-dir $TMP list
