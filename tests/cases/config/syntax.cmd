config check tests/cases/config/syntax.yml
