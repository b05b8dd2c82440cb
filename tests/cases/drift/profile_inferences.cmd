profile --input inferences --window-size 1h --segment-by platform --format json --top 1 tests/cases/drift/inferences.jsonl
