investigations list --format markdown --data-dir $TMP
