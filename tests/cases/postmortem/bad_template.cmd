postmortem inv_0000000000000000 --template tests/cases/postmortem/bad_template.md --data-dir $TMP
