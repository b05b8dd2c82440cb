fta analyze tests/fixtures/fta/aralia/baobab1.xml tests/fixtures/fta/aralia/baobab1-basic-events.xml --max-order 4 --limit 2 --format json
