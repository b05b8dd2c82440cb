investigate --data-dir $TMP
