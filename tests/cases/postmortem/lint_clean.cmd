postmortem lint tests/cases/postmortem/blameless.md
