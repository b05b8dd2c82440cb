import --data-dir $TMP examples/fraud-latency/events.json examples/fraud-latency/traces.otlp.json
