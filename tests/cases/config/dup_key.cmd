config check tests/cases/config/dup_key.yml
