models --data-dir $TMP register fraud v3 > /dev/null && "$bin" models --data-dir $TMP alias fraud v2 v3
