investigate latency:gateway --incident 2025-11-25T14:06:00Z,2025-11-25T14:00:00Z --data-dir $TMP
