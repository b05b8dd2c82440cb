models --data-dir $TMP register fraud v3 > /dev/null && "$bin" models --data-dir $TMP stage fraud v9 production
