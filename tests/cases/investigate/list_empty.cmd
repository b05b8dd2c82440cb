investigations --data-dir $TMP
