config check tests/cases/config/dup_job.yml
