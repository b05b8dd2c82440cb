postmortem lint tests/cases/postmortem/blame.md
