// Every refused request gets its real status, promptly, under `wrangler dev` (issue 13, item 9).
// A worker that answers before reading the request body made wrangler dev's proxy answer about one
// refused POST in ten with `503 Your worker restarted mid-request`, and could stall the next request
// for two minutes. The relay drains bodies up to a bound before answering (edge-worker/src/app/drain.rs).
// Node's own fetch keeps connections alive across requests, as real clients do.
import { test, expect } from '@playwright/test';

const BASE = process.env.OSDGATE_BASE_URL!;

async function post(path: string, body: string, address: string, token = 'forged.token.value', timeoutMs = 30_000) {
  const started = Date.now();
  try {
    const response = await fetch(BASE + path, {
      method: 'POST',
      // Each refusal from an address of its own: failed admin authentications are throttled per
      // address, and this test is about refusals reaching the client, not about the throttle.
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'cf-connecting-ip': address },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, text, ms: Date.now() - started };
  } catch (error) {
    return { status: 0, text: String(error), ms: Date.now() - started };
  }
}

/// A health check must answer within `limitMs`: a refusal may not leave the relay stalled.
async function healthWithin(limitMs: number) {
  const started = Date.now();
  const response = await fetch(BASE + '/api/v1/health', { signal: AbortSignal.timeout(limitMs) });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return Date.now() - started;
}

test.describe.serial('refused requests', () => {
  test('500 refused POSTs with 1 KiB bodies all get their real status, and nothing stalls after', async () => {
    test.setTimeout(180_000);
    const body = JSON.stringify({ pad: 'x'.repeat(1024 - 10) });
    expect(body.length).toBe(1024);
    // Refused before any handler reads the body: a forged device token, a forged admin token,
    // a method the route does not take, a path that does not exist.
    const cases: [string, number][] = [
      ['/api/v1/status', 401],
      ['/api/v1/admin/media', 401],
      ['/api/v1/noop', 405],
      ['/api/v1/no-such-route', 404],
    ];
    const wrong: string[] = [];
    let slowest = 0;
    for (let i = 0; i < 500; i++) {
      const [path, expected] = cases[i % cases.length];
      const reply = await post(path, body, `198.18.${i >> 8}.${i & 255}`);
      slowest = Math.max(slowest, reply.ms);
      if (reply.status !== expected) {
        wrong.push(`#${i} ${path}: ${reply.status} ${reply.text.slice(0, 80)}`);
      }
    }
    expect(wrong, wrong.slice(0, 10).join('\n')).toEqual([]);
    console.log(`500 refused POSTs: slowest answer ${slowest} ms`);
    expect(await healthWithin(10_000)).toBeLessThan(10_000);
  });
});
