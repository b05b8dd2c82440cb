config check tests/cases/config/missing.yml
