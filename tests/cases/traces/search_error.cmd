import --data-dir $TMP tests/cases/traces/chain.otlp.json tests/cases/traces/windows.otlp.json >/dev/null && "$bin" traces search --error --start 2025-11-25T14:00:00Z --data-dir $TMP
