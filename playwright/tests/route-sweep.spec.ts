// The route sweep against a real `wrangler dev` (the same sweep as edge-worker/tests/route_sweep.rs):
// every operation of openapi.json is called without credentials, with a forged token and with each
// wrong kind of credential, and must answer the refusal it declares; on every described path, a
// method openapi.json does not list must be refused with 405. (Paths the router serves but
// openapi.json omits are caught by the native sweep, which can enumerate the router's routes.)
import { test, expect, APIRequestContext } from '@playwright/test';
import { generateKeyPairSync, randomBytes, sign, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ADMIN = process.env.OSDGATE_ADMIN_TOKEN!;
const admin = { authorization: `Bearer ${ADMIN}` };
const RUN = Date.now().toString(36);
const FORGED = 'osdgate.v1.eyJraW5kIjoibWVkaWEifQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];

interface Key { privateKey: KeyObject; publicRaw: string }
function newKey(): Key {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicRaw: (publicKey.export({ format: 'jwk' }) as { x: string }).x };
}

/// A locally administered MAC no other run has claimed.
function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function concrete(template: string): string {
  return template
    .split('/')
    .map((segment) => (segment === '{sha256}' ? 'a'.repeat(64) : segment === '{path}' ? 'dir/file.bin' : segment.startsWith('{') ? 'sweep-1' : segment))
    .join('/');
}

function registrationMessage(mediaId: string, nonce: string, publicRaw: string): Buffer {
  const field = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  return Buffer.concat([Buffer.from('osdgate-device-registration-v1\0', 'latin1'), field(mediaId), field(nonce), Buffer.from(publicRaw, 'base64url')]);
}

/// A published configuration (the live suite's, or the fixture), a medium, its token and a device token.
async function credentials(request: APIRequestContext): Promise<{ media: string; device: string }> {
  const current = await request.get('/api/v1/admin/config', { headers: admin });
  if (current.status() !== 200) {
    const document = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'relay-document.json'), 'utf8'));
    const published = await request.put('/api/v1/admin/config', { headers: admin, data: document });
    expect([200, 201], await published.text()).toContain(published.status());
  }
  const medium = (await (await request.get('/api/v1/admin/config', { headers: admin })).json()).media[0].id;
  const mediaId = `sweep-${RUN}`;
  const mediaKey = newKey();
  const registered = await request.post('/api/v1/admin/media', {
    headers: admin,
    data: { medium, media_id: mediaId, public_key: mediaKey.publicRaw, expires_at: Date.now() + 3_600_000, created_by: 'route sweep' },
  });
  expect(registered.status(), await registered.text()).toBe(201);
  const ip = { 'cf-connecting-ip': '198.51.100.200' };
  const challenge = await (await request.post('/api/v1/auth/challenge', { headers: ip, data: { kind: 'media', id: mediaId } })).json();
  const signature = sign(null, Buffer.from(challenge.message, 'utf8'), mediaKey.privateKey).toString('base64');
  const token = await request.post('/api/v1/auth/token', { headers: ip, data: { kind: 'media', id: mediaId, nonce: challenge.nonce, signature } });
  expect(token.status(), await token.text()).toBe(200);
  const media = (await token.json()).token;
  const deviceKey = newKey();
  const { nonce } = await (await request.post('/api/v1/devices/nonce', { headers: { authorization: `Bearer ${media}` } })).json();
  const proof = sign(null, registrationMessage(mediaId, nonce, deviceKey.publicRaw), deviceKey.privateKey).toString('base64');
  const device = await request.post('/api/v1/devices', {
    headers: { authorization: `Bearer ${media}` },
    data: { mac: randomMac(), public_key: deviceKey.publicRaw, nonce, signature: proof },
  });
  expect(device.status(), await device.text()).toBe(201);
  return { media, device: (await device.json()).token.token };
}

test('route sweep: every operation refuses missing, forged and wrong-kind credentials as openapi.json declares', async ({ request }) => {
  const document = await (await request.get('/api/v1/openapi.json')).json();
  const tokens = await credentials(request);
  const failures: string[] = [];
  let calls = 0;
  for (const [template, item] of Object.entries<Record<string, { security: Record<string, string[]>[]; responses: Record<string, unknown>; requestBody?: unknown }>>(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const schemes = operation.security.flatMap((requirement) => Object.keys(requirement));
      if (schemes.length === 0) continue;
      const cases: [string, string | undefined, number][] = [['no credential', undefined, 401], ['a forged token', FORGED, 401]];
      if (schemes.includes('adminToken')) {
        cases.push(['a media token', tokens.media, 401], ['a device token', tokens.device, 401]);
      } else {
        cases.push(['the admin token', ADMIN, 401]);
        if (!schemes.includes('mediaToken')) cases.push(['a media token', tokens.media, 403]);
        if (!schemes.includes('deviceToken')) cases.push(['a device token', tokens.device, 403]);
      }
      for (const [what, bearer, expected] of cases) {
        if (!(String(expected) in operation.responses)) failures.push(`${method} ${template}: ${expected} for ${what} is not declared`);
        // Each call from its own address, so per-address throttles of failed attempts never turn
        // a declared 401 into a 429 halfway through.
        const headers: Record<string, string> = { 'cf-connecting-ip': `198.18.${Math.floor(calls / 250)}.${(calls % 250) + 1}` };
        if (bearer) headers.authorization = `Bearer ${bearer}`;
        // No body: credentials are refused before any body is read, and an unread request body
        // can stall wrangler dev's next answer (issue 13, item 9; the native sweep sends bodies).
        const reply = await request.fetch(concrete(template), { method: method.toUpperCase(), headers });
        calls++;
        if (reply.status() !== expected) failures.push(`${method} ${template} with ${what}: ${reply.status()} (expected ${expected}) ${method === 'head' ? '' : await reply.text()}`);
      }
    }
  }
  expect(failures, failures.join('\n')).toEqual([]);
  expect(calls).toBeGreaterThan(100);
});

test('route sweep: a method openapi.json does not list on a described path is refused with 405', async ({ request }) => {
  const document = await (await request.get('/api/v1/openapi.json')).json();
  const failures: string[] = [];
  for (const [template, item] of Object.entries<Record<string, unknown>>(document.paths)) {
    const listed = Object.keys(item).map((m) => m.toUpperCase());
    for (const method of METHODS) {
      if (listed.includes(method) || (method === 'HEAD' && listed.includes('GET'))) continue;
      const reply = await request.fetch(concrete(template), { method });
      if (reply.status() !== 405) failures.push(`${method} ${template}: ${reply.status()} (expected 405)`);
    }
  }
  expect(failures, failures.join('\n')).toEqual([]);
});
