drift --input inferences --window-size 1h tests/cases/drift/inferences.jsonl
