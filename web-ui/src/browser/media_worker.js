// Starts the console's media worker (web-ui/worker, built into /pkg/worker/) the first time a job
// needs it; one worker serves every job of the page.
let worker;

export function media_worker() {
  worker ??= new Worker("/pkg/worker/worker.js", { type: "module", name: "osdgate-media" });
  return worker;
}
