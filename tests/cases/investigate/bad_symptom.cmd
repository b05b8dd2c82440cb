investigate kpi: --data-dir $TMP
