investigate latency:gateway --format yaml --data-dir $TMP
