config check tests/cases/models/bad_fresh.yml
