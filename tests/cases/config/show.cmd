config show tests/cases/config/show.yml
