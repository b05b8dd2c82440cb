investigate latency:gateway extra --data-dir $TMP
