validate --format markdown --schema tests/cases/validate/schema.yml tests/cases/validate/bad_domain.csv
