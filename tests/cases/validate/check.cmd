schema check tests/cases/validate/schema.yml
