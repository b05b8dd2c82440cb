config check tests/cases/config/show.yml
