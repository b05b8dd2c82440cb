fta analyze tests/fixtures/fta/aralia/baobab1.xml
