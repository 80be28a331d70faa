// Live tests of the relay against a real `wrangler dev` (workerd, local D1 and R2), started by
// `cargo xtask test` with OSDGATE_BASE_URL and OSDGATE_ADMIN_TOKEN.
import { test, expect, APIRequestContext } from '@playwright/test';
import { createHash, generateKeyPairSync, sign, randomUUID, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ADMIN = process.env.OSDGATE_ADMIN_TOKEN;
if (!process.env.OSDGATE_BASE_URL || !ADMIN) {
  throw new Error('OSDGATE_BASE_URL and OSDGATE_ADMIN_TOKEN must be set (cargo xtask test sets them)');
}
const admin = { authorization: `Bearer ${ADMIN}`, 'x-osdgate-actor': 'playwright' };
const MiB = 1024 * 1024;
const RUN = Date.now().toString(36);

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/// Deterministic, incompressible-enough content: SHA-256 counter blocks.
function content(size: number): Buffer {
  const out = Buffer.alloc(size);
  let offset = 0;
  for (let block = 0; offset < size; block++) {
    const digest = createHash('sha256').update(`osdgate-${block}`).digest();
    offset += digest.copy(out, offset);
  }
  return out;
}

interface MediaKey { id: string; privateKey: KeyObject; publicRaw: string }

function newKey(id: string): MediaKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string };
  return { id, privateKey, publicRaw: jwk.x };
}

async function authenticate(request: APIRequestContext, kind: 'media' | 'device', key: MediaKey, ip = '203.0.113.9') {
  const challenge = await request.post('/api/v1/auth/challenge', { data: { kind, id: key.id }, headers: { 'cf-connecting-ip': ip } });
  expect(challenge.status(), await challenge.text()).toBe(200);
  const { nonce, message } = await challenge.json();
  const signature = sign(null, Buffer.from(message, 'utf8'), key.privateKey).toString('base64');
  const answer = { kind, id: key.id, nonce, signature };
  const token = await request.post('/api/v1/auth/token', { data: answer, headers: { 'cf-connecting-ip': ip } });
  return { token, answer };
}

/// The bytes a device signs to register its key: an independent implementation of
/// `osdgate_model::api::registration_message` (domain, 2-byte big-endian length-prefixed media ID
/// and nonce, raw 32-byte public key), so this suite also checks the wire format.
function registrationMessage(mediaId: string, nonce: string, publicRaw: string): Buffer {
  const field = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  return Buffer.concat([Buffer.from('osdgate-device-registration-v1\0', 'latin1'), field(mediaId), field(nonce), Buffer.from(publicRaw, 'base64url')]);
}

/// Register `device` through `mediaId` with proof of possession of its key.
async function registerDevice(request: APIRequestContext, mediaId: string, mediaToken: string, device: MediaKey, identity: object) {
  const auth = { authorization: `Bearer ${mediaToken}` };
  const issued = await request.post('/api/v1/devices/nonce', { headers: auth });
  expect(issued.status(), await issued.text()).toBe(200);
  const { nonce } = await issued.json();
  const signature = sign(null, registrationMessage(mediaId, nonce, device.publicRaw), device.privateKey).toString('base64');
  return request.post('/api/v1/devices', { headers: auth, data: { ...identity, public_key: device.publicRaw, nonce, signature } });
}

test.describe.serial('relay live', () => {
  const data = content(64 * MiB);
  const dataSha = sha256(data);
  let etag = '';
  let media: MediaKey;
  let mediaToken = '';
  let deviceId = '';
  let deviceToken = '';

  test('health answers and every binding is reachable', async ({ request }) => {
    const health = await request.get('/api/v1/health');
    expect(health.status()).toBe(200);
    const body = await health.json();
    expect(body.name).toBe('osdgate');
    for (const binding of body.bindings) expect(binding, JSON.stringify(binding)).toMatchObject({ reachable: true });
  });

  test('admin API refuses a wrong credential with a JSON error', async ({ request }) => {
    const reply = await request.get('/api/v1/admin/media', { headers: { authorization: 'Bearer wrong' } });
    expect(reply.status()).toBe(401);
    expect((await reply.json()).code).toBe('unauthorized');
  });

  test('publish: preflight errors are refused, a valid document is versioned with ETag/If-Match', async ({ request }) => {
    const document = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'relay-document.json'), 'utf8'));
    const os = document.content.find((c: { id: string }) => c.id === 'ABC00010');
    os.files = [{ path: 'sources/install.wim', size: data.length, sha256: dataSha }];
    document.boundary_groups[0].prefer_cloud_sources = true;
    document.devices[0].variables = [{ name: 'OSDComputerName', value: 'LAPTOP-0042' }];

    const broken = structuredClone(document);
    broken.deployments[0].allow_internet = false;
    const refused = await request.put('/api/v1/admin/config', { headers: admin, data: broken });
    expect(refused.status()).toBe(422);
    const refusal = await refused.json();
    expect(refusal.code).toBe('preflight_failed');
    expect(refusal.findings.findings.length).toBeGreaterThan(0);

    const current = await request.get('/api/v1/admin/config', { headers: admin });
    const ifMatch: Record<string, string> = current.status() === 200 ? { 'if-match': current.headers()['etag'] } : {};
    const published = await request.put('/api/v1/admin/config', { headers: { ...admin, ...ifMatch }, data: document });
    expect([200, 201], await published.text()).toContain(published.status());
    etag = published.headers()['etag'];
    expect(etag).toMatch(/^"v\d+-/);

    const stale = await request.put('/api/v1/admin/config', { headers: { ...admin, 'if-match': '"v0-stale"' }, data: document });
    expect(stale.status()).toBe(412);
    const missing = await request.put('/api/v1/admin/config', { headers: admin, data: document });
    expect(missing.status()).toBe(428);

    const history = await (await request.get('/api/v1/admin/config/history', { headers: admin })).json();
    expect(history.versions[0].etag).toBe(etag);
  });

  test('rollback creates a new version and keeps history', async ({ request }) => {
    const history = await (await request.get('/api/v1/admin/config/history', { headers: admin })).json();
    const current = history.versions[0].version;
    // Publish the same document again as a new version, then roll back to the current one.
    const document = await (await request.get('/api/v1/admin/config', { headers: admin })).json();
    const again = await request.put('/api/v1/admin/config', { headers: { ...admin, 'if-match': etag }, data: document });
    expect(again.status()).toBe(200);
    const rolled = await request.post('/api/v1/admin/config/rollback', {
      headers: { ...admin, 'if-match': again.headers()['etag'] },
      data: { to_version: current },
    });
    expect(rolled.status(), await rolled.text()).toBe(200);
    const body = await rolled.json();
    expect(body.version.rolled_back_from).toBe(current);
    expect(body.version.version).toBe(current + 2);
    etag = rolled.headers()['etag'];
  });

  test('register media and authenticate by challenge–response; replay is refused', async ({ request }) => {
    media = newKey(`usb-${RUN}`);
    const registered = await request.post('/api/v1/admin/media', {
      headers: admin,
      data: { medium: 'usb-remote', media_id: media.id, public_key: media.publicRaw, expires_at: Date.now() + 86_400_000, created_by: 'playwright' },
    });
    expect(registered.status(), await registered.text()).toBe(201);
    const { token, answer } = await authenticate(request, 'media', media);
    expect(token.status(), await token.text()).toBe(200);
    mediaToken = (await token.json()).token;
    const replay = await request.post('/api/v1/auth/token', { data: answer });
    expect(replay.status()).toBe(401);
    expect((await replay.json()).code).toBe('nonce_replayed');
    const wrong = newKey(media.id);
    const forged = await authenticate(request, 'media', wrong);
    expect(forged.token.status()).toBe(401);
    expect((await forged.token.json()).code).toBe('signature_invalid');
  });

  test('policy: task sequence, no device variables for a media token, every content reference with size and SHA-256', async ({ request }) => {
    const reply = await request.get('/api/v1/policy?smbios_guid=4C4C4544-0042-3510-8052-B4C04F4B4E32', { headers: { authorization: `Bearer ${mediaToken}` } });
    expect(reply.status(), await reply.text()).toBe(200);
    const policy = (await reply.json()).deployments[0];
    expect(policy.deployment_id).toBe('ABC20001');
    expect(policy.task_sequence.id).toBe('ABC00020');
    expect(policy.variables.every((v: { device_specific: boolean; secret: boolean }) => !v.device_specific && !v.secret)).toBe(true);
    const os = policy.content.find((c: { content_id: string }) => c.content_id === 'ABC00010');
    expect(os.files).toEqual([{ path: 'sources/install.wim', size: data.length, sha256: dataSha }]);
    expect(policy.content.map((c: { content_id: string }) => c.content_id)).toEqual(['ABC00005', 'ABC00010', 'ABC00011', 'ABC00012']);
  });

  test('content location follows the client address (CF-Connecting-IP)', async ({ request }) => {
    const ask = async (ip: string) => {
      const reply = await request.get('/api/v1/content/ABC00010/locations', { headers: { authorization: `Bearer ${mediaToken}`, 'cf-connecting-ip': ip } });
      expect(reply.status(), await reply.text()).toBe(200);
      return reply.json();
    };
    const hq = await ask('10.20.1.2');
    expect(hq.client_address).toBe('10.20.1.2');
    expect(hq.boundary_groups).toEqual(['bg-hq']);
    expect(hq.sources.map((s: { id: string }) => s.id)).toEqual(['gw-relay', 'dp-hq']);
    const home = await ask('198.51.100.20');
    expect(home.sources.map((s: { id: string }) => s.id)).toEqual(['gw-relay']);
  });

  test('a 64 MiB upload (multipart, SHA-256 checked) downloads resumed from the middle with Range', async ({ request }) => {
    const blob = `/api/v1/admin/blobs/${dataSha}`;
    const existing = await request.get(blob, { headers: admin });
    if (existing.status() === 404) {
      const started = await request.post(`${blob}/uploads`, { headers: admin, data: { size: data.length } });
      expect(started.status(), await started.text()).toBe(201);
      const session = await started.json();
      for (let part = 1; part <= session.part_count; part++) {
        const chunk = data.subarray((part - 1) * session.part_size, Math.min(data.length, part * session.part_size));
        const put = await request.put(`${blob}/uploads/${session.upload_id}/parts/${part}`, { headers: admin, data: chunk });
        expect(put.status(), await put.text()).toBe(200);
        expect((await put.json()).sha256).toBe(sha256(chunk));
      }
      const path = '/api/v1/content/ABC00010/files/sources/install.wim';
      const before = await request.get(path, { headers: { authorization: `Bearer ${mediaToken}` } });
      expect((await before.json()).code).toBe('content_not_uploaded');
      const done = await request.post(`${blob}/uploads/${session.upload_id}/complete`, { headers: admin });
      expect(done.status(), await done.text()).toBe(201);
    } else {
      expect(existing.status()).toBe(200);
    }
    const path = '/api/v1/content/ABC00010/files/sources/install.wim';
    const auth = { authorization: `Bearer ${mediaToken}` };
    const head = await request.head(path, { headers: auth });
    expect(head.status()).toBe(200);
    expect(head.headers()['content-length']).toBe(String(data.length));
    expect(head.headers()['x-osdgate-sha256']).toBe(dataSha);
    const tag = head.headers()['etag'];
    const half = 32 * MiB + 12345;
    const first = await request.get(path, { headers: { ...auth, range: `bytes=0-${half - 1}` } });
    expect(first.status()).toBe(206);
    expect(first.headers()['content-range']).toBe(`bytes 0-${half - 1}/${data.length}`);
    const rest = await request.get(path, { headers: { ...auth, range: `bytes=${half}-`, 'if-range': tag } });
    expect(rest.status()).toBe(206);
    expect(rest.headers()['content-range']).toBe(`bytes ${half}-${data.length - 1}/${data.length}`);
    const joined = Buffer.concat([await first.body(), await rest.body()]);
    expect(joined.length).toBe(data.length);
    expect(sha256(joined)).toBe(head.headers()['x-osdgate-sha256']);
    const cached = await request.get(path, { headers: { ...auth, 'if-none-match': tag } });
    expect(cached.status()).toBe(304);
    const beyond = await request.get(path, { headers: { ...auth, range: `bytes=${data.length}-` } });
    expect(beyond.status()).toBe(416);
  });

  test('a corrupted single upload is refused with sha256_mismatch', async ({ request }) => {
    const bytes = content(1000);
    const wrong = sha256(Buffer.from('something else'));
    const reply = await request.put(`/api/v1/admin/blobs/${wrong}`, { headers: admin, data: bytes });
    expect(reply.status()).toBe(422);
    expect((await reply.json()).code).toBe('sha256_mismatch');
  });

  test('status posts: duplicates stored once, concurrent posts never lost, cursor paging', async ({ request }) => {
    const auth = { authorization: `Bearer ${mediaToken}` };
    const ids = Array.from({ length: 30 }, () => randomUUID());
    const post = (id: string) =>
      request.post('/api/v1/status', { headers: auth, data: { message_id: id, deployment_id: 'ABC20001', step: 'Apply Operating System', state: 'running', progress: 50, log_excerpt: `run ${RUN}` } });
    const replies = await Promise.all([...ids, ...ids].map(post));
    const statuses = replies.map((r) => r.status());
    expect(statuses.filter((s) => s === 201).length).toBe(30);
    expect(statuses.filter((s) => s === 200).length).toBe(30);
    const seen = new Set<string>();
    let cursor = '';
    for (;;) {
      const page = await (await request.get(`/api/v1/admin/status?deployment=ABC20001&limit=7&after=${cursor}`, { headers: admin })).json();
      for (const m of page.messages) if (m.log_excerpt === `run ${RUN}`) seen.add(m.message_id);
      cursor = page.next_cursor;
      if (!page.has_more) break;
    }
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  test('device registration, device token, renewal and revocation', async ({ request }) => {
    const device = newKey('');
    const identity = { smbios_guid: '4C4C4544-0042-3510-8052-B4C04F4B4E32', mac: '00:1A:2B:3C:4D:5E' };
    const unproven = await request.post('/api/v1/devices', { headers: { authorization: `Bearer ${mediaToken}` }, data: { ...identity, public_key: device.publicRaw } });
    expect(unproven.status()).toBe(401);
    expect((await unproven.json()).code).toBe('possession_proof_required');
    const registered = await registerDevice(request, media.id, mediaToken, device, identity);
    expect(registered.status(), await registered.text()).toBe(201);
    const body = await registered.json();
    deviceId = body.device_id;
    deviceToken = body.token.token;
    const policy = await request.get('/api/v1/policy', { headers: { authorization: `Bearer ${deviceToken}` } });
    expect(policy.status()).toBe(200);
    const variables = (await policy.json()).deployments[0].variables;
    expect(variables.find((v: { name: string }) => v.name === 'OSDComputerName')).toMatchObject({ value: 'LAPTOP-0042', device_specific: true });
    const listed = await (await request.get('/api/v1/admin/devices', { headers: admin })).json();
    expect(listed.find((d: { device_id: string }) => d.device_id === deviceId).state).toBe('pending');
    const approved = await request.post(`/api/v1/admin/devices/${deviceId}/approve`, { headers: admin });
    expect((await approved.json()).state).toBe('approved');
    const renewed = await request.post('/api/v1/devices/self/token', { headers: { authorization: `Bearer ${deviceToken}` } });
    expect(renewed.status()).toBe(200);
    const old = await request.get('/api/v1/policy', { headers: { authorization: `Bearer ${deviceToken}` } });
    expect((await old.json()).code).toBe('token_revoked');
    deviceToken = (await renewed.json()).token;
    device.id = deviceId;
    const byKey = await authenticate(request, 'device', device);
    expect(byKey.token.status()).toBe(200);
    const tokens = await (await request.get(`/api/v1/admin/devices/${deviceId}/tokens`, { headers: admin })).json();
    expect(tokens.length).toBe(3);
    const revoked = await request.post(`/api/v1/admin/devices/${deviceId}/revoke`, { headers: admin, data: { reason: 'playwright' } });
    expect(revoked.status()).toBe(200);
    const after = await request.get('/api/v1/policy', { headers: { authorization: `Bearer ${deviceToken}` } });
    expect((await after.json()).code).toBe('device_revoked');
  });

  test('media revocation stops tokens and authentication, and is recorded', async ({ request }) => {
    const pendingKey = newKey('');
    const pending = await registerDevice(request, media.id, mediaToken, pendingKey, { mac: '00:1A:2B:3C:4D:99' });
    expect(pending.status(), await pending.text()).toBe(201);
    const pendingToken = (await pending.json()).token.token;
    const unsaid = await request.post(`/api/v1/admin/media/${media.id}/revoke`, { headers: admin, data: { reason: 'lost' } });
    expect(unsaid.status()).toBe(400);
    const revoked = await request.post(`/api/v1/admin/media/${media.id}/revoke`, { headers: admin, data: { reason: 'lost', approved_devices: 'keep' } });
    expect(revoked.status()).toBe(200);
    const policy = await request.get('/api/v1/policy', { headers: { authorization: `Bearer ${mediaToken}` } });
    expect(policy.status()).toBe(401);
    expect((await policy.json()).code).toBe('media_revoked');
    const pendingPolicy = await request.get('/api/v1/policy', { headers: { authorization: `Bearer ${pendingToken}` } });
    expect((await pendingPolicy.json()).code).toBe('device_revoked');
    // Anonymous callers get a challenge like for any medium; the key's holder learns why.
    const challenge = await request.post('/api/v1/auth/challenge', { data: { kind: 'media', id: media.id } });
    expect(challenge.status()).toBe(200);
    const { token: login } = await authenticate(request, 'media', media);
    expect((await login.json()).code).toBe('media_revoked');
    const events = await (await request.get(`/api/v1/admin/auth-events?kind=media&subject=${media.id}`, { headers: admin })).json();
    const outcomes = events.events.map((e: { outcome: string }) => e.outcome);
    expect(outcomes).toContain('ok');
    expect(outcomes).toContain('nonce_replayed');
    expect(outcomes).toContain('signature_invalid');
    expect(outcomes).toContain('media_revoked');
  });

  test('authentication attempts are rate limited per medium and address, so a flood locks nobody else out', async ({ request }) => {
    const key = newKey(`rate-${RUN}`);
    const registered = await request.post('/api/v1/admin/media', {
      headers: admin,
      data: { medium: 'usb-remote', media_id: key.id, public_key: key.publicRaw, expires_at: Date.now() + 86_400_000, created_by: 'playwright' },
    });
    expect(registered.status()).toBe(201);
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) {
      const reply = await request.post('/api/v1/auth/challenge', { data: { kind: 'media', id: key.id }, headers: { 'cf-connecting-ip': '198.51.100.77' } });
      codes.push(reply.status());
    }
    expect(codes.slice(0, 10).every((c) => c === 200)).toBe(true);
    expect(codes[10]).toBe(429);
    const { token } = await authenticate(request, 'media', key, '203.0.113.78');
    expect(token.status(), await token.text()).toBe(200);
  });

  test('OpenAPI description is served', async ({ request }) => {
    const reply = await request.get('/api/v1/openapi.json');
    expect(reply.status()).toBe(200);
    const doc = await reply.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/v1/policy'].get.security).toEqual([{ mediaToken: [] }, { deviceToken: [] }]);
  });
});
