config check tests/cases/config/bad_interval.yml
