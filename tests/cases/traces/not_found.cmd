import --data-dir $TMP tests/cases/traces/chain.otlp.json tests/cases/traces/windows.otlp.json >/dev/null && "$bin" traces show 0000000000000000000000000000ffff --data-dir $TMP
