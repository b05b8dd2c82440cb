config check tests/cases/config/nested_typo.yml
