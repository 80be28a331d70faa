// The console's preflight checker as a dedicated module worker (built into /pkg/checker/ by
// `cargo xtask build`). Each message is { id, document, now }: the working document as JSON and the
// time to check at (Unix seconds). The answer is { id, check } with the DocumentCheck as JSON, or
// { id, refused } with the DocumentError as JSON, or { id, failed } when the module did not load;
// `milliseconds` is the time this worker spent on the message (reading, checking, writing).
import init, { check_document } from "./osdgate_console_checker.js";

const ready = init({ module_or_path: new URL("./osdgate_console_checker_bg.wasm", import.meta.url) });

self.onmessage = async (event) => {
  const { id, document, now } = event.data;
  try {
    await ready;
  } catch (error) {
    self.postMessage({ id, failed: String(error) });
    return;
  }
  const started = performance.now();
  try {
    const check = check_document(document, now);
    self.postMessage({ id, check, milliseconds: performance.now() - started });
  } catch (refused) {
    self.postMessage({ id, refused: String(refused), milliseconds: performance.now() - started });
  }
};
