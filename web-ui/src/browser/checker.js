// The preflight checker worker (web-ui/checker, built into /pkg/checker/): started on first use,
// answers matched to requests by id. A worker that fails to start fails every waiting request and
// is started afresh by the next one.
let worker;
let next = 0;
const waiting = new Map();

function started() {
  if (worker) return worker;
  worker = new Worker("/pkg/checker/worker.js", { type: "module" });
  worker.onmessage = (event) => {
    const request = waiting.get(event.data.id);
    if (request) {
      waiting.delete(event.data.id);
      request.resolve(event.data);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const error = new Error(event.message || "the preflight checker could not be started");
    for (const request of waiting.values()) request.reject(error);
    waiting.clear();
    worker.terminate();
    worker = undefined;
  };
  return worker;
}

/// Starts the worker now, so that its module is fetched while the page renders.
export function start_checker() {
  started();
}

/// Checks `document` (JSON) at `now` (Unix seconds) in the worker: { check } | { refused } | { failed },
/// with `milliseconds` spent in the worker.
export function check_in_worker(document, now) {
  return new Promise((resolve, reject) => {
    const id = ++next;
    waiting.set(id, { resolve, reject });
    started().postMessage({ id, document, now });
  });
}
