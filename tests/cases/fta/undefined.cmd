fta analyze tests/cases/fta/undefined.yml
