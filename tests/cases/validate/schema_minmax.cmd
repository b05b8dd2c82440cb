schema check tests/cases/validate/bad_range.yml
