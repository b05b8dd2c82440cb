config check tests/cases/config/cycle.yml
