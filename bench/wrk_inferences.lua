-- SPDX-License-Identifier: Apache-2.0
-- wrk script: POST a 10-row inference JSONL batch (20 features each) to /v1/inferences, with
-- request ids unique per request so every write is real. Prints p50/p90/p99 acknowledgement
-- latency and throughput as one machine-readable line.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

local function row(id, seed)
  local f = {}
  for k = 1, 20 do
    if k % 5 == 0 then
      f[#f + 1] = string.format('"cat_%d":"v%d"', k, (seed + k) % 7)
    else
      f[#f + 1] = string.format('"num_%d":%.3f', k, ((seed * 31 + k * 17) % 1000) / 10)
    end
  end
  return string.format('{"ts":1764079200,"request_id":"wrk-%s","model":"recs","model_version":"v3",'
    .. '"features":{%s},"prediction":0.42,"segments":{"platform":"ios","country":"DE"}}',
    id, table.concat(f, ","))
end

function request()
  counter = counter + 1
  local rows = {}
  for i = 1, 10 do
    rows[i] = row(string.format("%d-%d-%d", tid, counter, i), counter * 10 + i)
  end
  return wrk.format("POST", "/v1/inferences", { ["Content-Type"] = "application/x-ndjson" },
    table.concat(rows, "\n") .. "\n")
end

function done(summary, latency, requests)
  io.write(string.format(
    "bench=http_inferences_ack requests_per_s=%.0f rows_per_s=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f errors=%d\n",
    summary.requests / (summary.duration / 1e6), 10 * summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
