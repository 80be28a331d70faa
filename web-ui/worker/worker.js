// The media worker's entry (web-ui/worker, served as /pkg/worker/worker.js): loads the worker's
// WebAssembly module once, then hands every message to it in arrival order. A module that fails to
// load answers each job with a typed failure (osdgate-console-jobs, worker_unavailable) instead of
// leaving the console waiting.
import init, { on_message } from "./osdgate_console_worker.js";

const PROTOCOL_VERSION = 1;
const ready = init({ module_or_path: new URL("./osdgate_console_worker_bg.wasm", import.meta.url) });

self.onmessage = (event) => {
  ready.then(
    () => on_message(event.data),
    (error) => {
      let id = 0;
      try {
        id = JSON.parse(event.data.json).id ?? 0;
      } catch {}
      const failure = {
        code: "worker_unavailable",
        message: `the media worker could not load its module (${error}); check the connection and reload the page`,
      };
      self.postMessage({
        json: JSON.stringify({ version: PROTOCOL_VERSION, id, event: { kind: "failed", error: failure } }),
      });
    },
  );
};
