import --data-dir $TMP tests/cases/traces/chain.otlp.json tests/cases/traces/windows.otlp.json >/dev/null && "$bin" traces graph --format json --start 1764079500 --end 1764079620000 --data-dir $TMP
