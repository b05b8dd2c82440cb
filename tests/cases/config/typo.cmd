config check tests/cases/config/typo.yml
