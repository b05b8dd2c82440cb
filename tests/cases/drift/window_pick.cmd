drift --input inferences --window-size 1h --window 2026-11-25T11:00:00Z tests/cases/drift/inferences.jsonl
