fta analyze tests/fixtures/fta/aralia/chinese.xml tests/fixtures/fta/aralia/chinese-basic-events.xml --limit 3
