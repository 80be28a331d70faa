// The console's load and recheck benchmark in Chromium on loopback (run by web-ui/bench/run.sh,
// which passes the native figures of the same document in BENCH_NATIVE and the document in
// BENCH_DOCUMENT). Prints one table: first-load bytes, time to first render and to interactive,
// and per keystroke in a 1,000-step, 500-package document the main thread's time, the worker's
// check and the keystroke-to-current-report latency, each beside its native counterpart.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { test, expect, Console } from '../tests/support/console';

const LOADS = 7;
const KEYSTROKES = 25;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Records, from the page's own clock, when the first page heading appears (first render) and
 * when the saved document is loaded and checked (interactive: the panel's report is current). */
function recordMilestones() {
  const marks: Record<string, number> = {};
  (window as unknown as { __marks: Record<string, number> }).__marks = marks;
  new MutationObserver(() => {
    if (marks.firstRender === undefined && document.querySelector('main h1')) {
      marks.firstRender = performance.now();
    }
    const saved = document.querySelector('[data-testid="save-status"]')?.getAttribute('data-state') === 'saved';
    const current = document.querySelector('.preflight-panel')?.getAttribute('data-state') === 'current';
    if (marks.interactive === undefined && saved && current) marks.interactive = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true });
}

test('console load and recheck', async ({ browser }) => {
  const native = JSON.parse(process.env.BENCH_NATIVE ?? '{}');
  const documentPath = process.env.BENCH_DOCUMENT;
  expect(documentPath, 'BENCH_DOCUMENT (run web-ui/bench/run.sh)').toBeTruthy();

  // Loads: a fresh context each time (empty cache and storage), as an admin's first visit.
  // Bytes: every response of the load gzipped at level 9 (as `cargo xtask build` counts them),
  // the checker module's apart since it is fetched beside the first load, not part of it.
  const loads: { bytes: number; checker: number; fcp: number; firstRender: number; interactive: number }[] = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const sizes: Promise<[string, number]>[] = [];
    page.on('response', (response) => {
      sizes.push(
        response.body().then(
          (body) => [new URL(response.url()).pathname, gzipSync(body, { level: 9 }).length] as [string, number],
          () => [response.url(), 0] as [string, number],
        ),
      );
    });
    await page.addInitScript(recordMilestones);
    await page.goto('/');
    await page.waitForFunction(() => (window as any).__marks?.interactive !== undefined);
    const marks = await page.evaluate(() => {
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      return { ...(window as any).__marks, fcp: paint ? paint.startTime : NaN };
    });
    let bytes = 0;
    let checker = 0;
    for (const [path, size] of await Promise.all(sizes)) {
      if (path.startsWith('/pkg/checker/')) checker += size;
      else if (!path.startsWith('/api/')) bytes += size;
    }
    loads.push({ bytes, checker, ...marks });
    await context.close();
  }

  // Rechecks: the benchmark document imported, then typing in the site code field.
  const context = await browser.newContext();
  const page = await context.newPage();
  const app = new Console(page);
  await app.open('/');
  await app.import('benchmark.json', readFileSync(documentPath!, 'utf8'));
  await app.goTo('site');
  await expect(app.preflight).toHaveAttribute('data-state', 'current');
  const keystrokes: { main: number; latency: number; worker: number }[] = [];
  for (let i = 0; i < KEYSTROKES; i++) {
    const value = `AB${String.fromCharCode(65 + (i % 26))}`;
    keystrokes.push(
      await page.evaluate(async (value) => {
        const input = document.querySelector<HTMLInputElement>('[data-field-path="site.code"]')!;
        const panel = document.querySelector<HTMLElement>('.preflight-panel')!;
        const current = new Promise<number>((resolve) => {
          const observer = new MutationObserver(() => {
            if (panel.dataset.state === 'current') {
              observer.disconnect();
              resolve(performance.now());
            }
          });
          observer.observe(panel, { attributes: true, attributeFilter: ['data-state'] });
        });
        const started = performance.now();
        input.value = value;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        // A new task runs only after the handler and every microtask it queued (effects, the JSON
        // for the worker): the main thread's share of a keystroke.
        await new Promise<void>((resolve) => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => resolve();
          channel.port2.postMessage(0);
        });
        const main = performance.now() - started;
        const latency = (await current) - started;
        return { main, latency, worker: Number(panel.dataset.checkMicroseconds) / 1000 };
      }, value),
    );
  }
  await context.close();

  const firstLoad = median(loads.map((l) => l.bytes));
  const row = (what: string, browserMs: number, nativeMs?: number) =>
    `  ${what.padEnd(58)} ${browserMs.toFixed(2).padStart(8)} ms` +
    (nativeMs ? `   native ${nativeMs.toFixed(2).padStart(6)} ms   ratio ${(browserMs / nativeMs).toFixed(1)}×` : '');
  const main = median(keystrokes.map((k) => k.main));
  const worker = median(keystrokes.map((k) => k.worker));
  const latency = median(keystrokes.map((k) => k.latency));
  const nativeMain = native.clone_ms + native.equal_ms + native.to_json_ms;
  console.log(
    [
      `console benchmark (Chromium on loopback; medians of ${LOADS} loads and ${KEYSTROKES} keystrokes)`,
      `  first load, gzipped${' '.repeat(40)}${(firstLoad / 1000).toFixed(1).padStart(8)} KB` +
        `   (+ checker module fetched beside it: ${(median(loads.map((l) => l.checker)) / 1000).toFixed(1)} KB)`,
      row('first contentful paint', median(loads.map((l) => l.fcp))),
      row('first render (page heading)', median(loads.map((l) => l.firstRender))),
      row('interactive (document loaded, report current)', median(loads.map((l) => l.interactive))),
      `  recheck, 1,000 steps and 500 packages (${native.json_bytes} bytes of JSON):`,
      row('keystroke, main thread (copy, compare, JSON, DOM)', main, nativeMain),
      row('check in the worker (read JSON, rules + scenarios, write)', worker, native.worker_ms),
      row('keystroke to current report', latency, native.worker_ms + nativeMain),
      row('(rules alone, native)', native.check_ms),
    ].join('\n'),
  );
});
