// The media worker (web-ui/worker) as the console serves it: its protocol (osdgate-console-jobs)
// spoken directly from the page, the way the console's Rust client speaks it.
import { test, expect } from './support/console';

/** Runs one job in a fresh media worker; resolves with every event it posted. */
async function runInWorker(
  page: import('@playwright/test').Page,
  options: { size: number; cancelAfterFirstProgress?: boolean; version?: number },
) {
  return page.evaluate(async ({ size, cancelAfterFirstProgress, version }) => {
    // Deterministic bytes, not all alike, so a chunk read twice or skipped changes the digest.
    const bytes = new Uint8Array(size);
    let state = 0x9e3779b9;
    for (let i = 0; i < size; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      bytes[i] = state & 0xff;
    }
    const file = new File([bytes], 'package.bin');
    const expected = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    const worker = new Worker('/pkg/worker/worker.js', { type: 'module' });
    const events: any[] = [];
    const id = 41;
    const send = (command: unknown) =>
      worker.postMessage({ json: JSON.stringify({ version, id, command }), files: [file] });
    const done = new Promise<void>((resolve, reject) => {
      worker.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
      worker.onmessage = (message) => {
        const event = JSON.parse(message.data.json);
        events.push(event);
        if (event.event.kind === 'progress' && cancelAfterFirstProgress && events.length === 1) {
          send('cancel');
        }
        if (event.event.kind !== 'progress') resolve();
      };
    });
    send({ start: { kind: 'sha256', file: 0 } });
    await done;
    worker.terminate();
    return { events, expected };
  }, { cancelAfterFirstProgress: false, version: 1, ...options });
}

test('the media worker hashes a file in 8 MiB chunks with progress', async ({ console: app, page }) => {
  await app.open('/');
  const size = 20 * 1024 * 1024 + 12345;
  const { events, expected } = await runInWorker(page, { size });
  const progress = events.filter((e) => e.event.kind === 'progress').map((e) => e.event.done);
  expect(progress).toEqual([8 << 20, 16 << 20, size]);
  const last = events[events.length - 1];
  expect(last).toEqual({
    version: 1,
    id: 41,
    event: { kind: 'finished', result: { kind: 'sha256', sha256: expected, size } },
  });
});

test('a cancelled hash ends as cancelled, without a result', async ({ console: app, page }) => {
  await app.open('/');
  const { events } = await runInWorker(page, { size: 64 * 1024 * 1024, cancelAfterFirstProgress: true });
  const last = events[events.length - 1];
  expect(last.event).toEqual({ kind: 'cancelled' });
  expect(events.filter((e) => e.event.kind === 'progress').length).toBeLessThan(8);
});

test('a message of another protocol version is refused with the fix', async ({ console: app, page }) => {
  await app.open('/');
  const { events } = await runInWorker(page, { size: 10, version: 2 });
  expect(events).toHaveLength(1);
  expect(events[0].id).toBe(41);
  expect(events[0].event.kind).toBe('failed');
  expect(events[0].event.error.code).toBe('protocol_version');
  expect(events[0].event.error.message).toContain('reload the page');
});
