investigations frobnicate --data-dir $TMP
