// SPDX-License-Identifier: Apache-2.0
// api.js: the faultline HTTP API (docs/API.md) as promises. A network failure rejects with
// err.down = true (the "server down" state); an HTTP error with err.status and the API's message.

export class ApiError extends Error {
  constructor(message, status, down = false) {
    super(message);
    this.status = status;
    this.down = down;
  }
}

const listeners = new Set();
export const onConnection = (fn) => listeners.add(fn);
const tell = (up) => listeners.forEach((fn) => fn(up));

async function raw(path, opts = {}) {
  let res;
  try {
    res = await fetch(path, { headers: { Accept: "application/json" }, ...opts });
  } catch (e) {
    tell(false);
    throw new ApiError(`cannot reach the faultline server (${e.message})`, 0, true);
  }
  tell(true);
  return res;
}

async function errorOf(res) {
  let msg = `${res.status} ${res.statusText}`;
  try {
    const j = await res.json();
    if (j && j.error) msg = j.error;
  } catch (e) { /* not JSON */ }
  return new ApiError(msg, res.status);
}

// GET/POST returning parsed JSON; Prometheus-shaped and faultline answers alike return .data.
export async function get(path) {
  const res = await raw(path);
  if (!res.ok) throw await errorOf(res);
  const j = await res.json();
  return j && j.status === "success" && "data" in j ? j.data : j;
}

// The bearer token for write routes (auth.bearer_token), kept for this browser tab only.
export const token = {
  get: () => { try { return sessionStorage.getItem("fl-token") || ""; } catch (e) { return ""; } },
  set: (t) => { try { sessionStorage.setItem("fl-token", t); } catch (e) { /* private mode */ } },
};

export async function post(path, body, type = "application/json") {
  const headers = { "Content-Type": type, Accept: "application/json" };
  if (token.get()) headers.Authorization = `Bearer ${token.get()}`;
  const res = await raw(path, {
    method: "POST",
    headers,
    body: typeof body === "string" || body instanceof Blob ? body : JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res);
  const j = await res.json();
  return j && j.status === "success" && "data" in j ? j.data : j;
}

export async function text(path) {
  const res = await raw(path);
  if (!res.ok) throw await errorOf(res);
  return res.text();
}

// Does a route exist? (404 "no such route" / 404 not found -> false; network errors rethrow.)
export async function exists(path) {
  const res = await raw(path, { method: "HEAD" });
  return res.ok;
}
