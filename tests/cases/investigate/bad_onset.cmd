investigate latency:gateway --onset yesterday --data-dir $TMP
