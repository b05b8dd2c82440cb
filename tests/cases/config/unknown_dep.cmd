config check tests/cases/config/unknown_dep.yml
