models --data-dir $TMP register fraud v3 --stage prod
