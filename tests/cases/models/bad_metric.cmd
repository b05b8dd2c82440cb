models --data-dir $TMP register fraud v3 --metric auc=high
