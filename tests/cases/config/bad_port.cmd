config check tests/cases/config/bad_port.yml
