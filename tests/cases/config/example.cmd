config check tests/cases/config/example.yml
