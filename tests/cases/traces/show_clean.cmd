import --data-dir $TMP tests/cases/traces/chain.otlp.json tests/cases/traces/windows.otlp.json >/dev/null && "$bin" traces show 000000000000000000000000000000a1 --data-dir $TMP
