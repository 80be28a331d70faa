// Benchmark setup: publish the fixture with a 256 MiB file, upload it (multipart), register a
// medium and print a media token and the file's SHA-256.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [file, fixture] = process.argv.slice(2);
const base = process.env.OSDGATE_BASE_URL;
const admin = { authorization: `Bearer ${process.env.OSDGATE_ADMIN_TOKEN}` };
const data = readFileSync(file);
const sha256 = createHash('sha256').update(data).digest('hex');
const call = async (method, path, body, headers = {}) => {
  const init = { method, headers: { ...admin, ...headers } };
  if (body !== undefined) {
    // The relay accepts JSON only as application/json (no cross-site simple requests).
    init.body = Buffer.isBuffer(body) ? body : JSON.stringify(body);
    init.headers['content-type'] = Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json';
  }
  const reply = await fetch(base + path, init);
  if (!reply.ok) throw new Error(`${method} ${path}: ${reply.status} ${await reply.text()}`);
  return reply.status === 204 ? null : reply.json();
};
const document = JSON.parse(readFileSync(fixture, 'utf8'));
document.content.find((c) => c.id === 'ABC00010').files = [{ path: 'sources/install.wim', size: data.length, sha256 }];
await call('PUT', '/api/v1/admin/config', document);
const session = await call('POST', `/api/v1/admin/blobs/${sha256}/uploads`, { size: data.length });
for (let part = 1; part <= session.part_count; part++) {
  const chunk = data.subarray((part - 1) * session.part_size, Math.min(data.length, part * session.part_size));
  await call('PUT', `/api/v1/admin/blobs/${sha256}/uploads/${session.upload_id}/parts/${part}`, chunk);
}
await call('POST', `/api/v1/admin/blobs/${sha256}/uploads/${session.upload_id}/complete`);
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const id = 'bench-media';
await call('POST', '/api/v1/admin/media', { media_id: id, public_key: publicKey.export({ format: 'jwk' }).x, expires_at: Date.now() + 86_400_000, medium: 'usb-remote', created_by: 'bench' });
const challenge = await call('POST', '/api/v1/auth/challenge', { kind: 'media', id });
const signature = sign(null, Buffer.from(challenge.message), privateKey).toString('base64');
const token = await call('POST', '/api/v1/auth/token', { kind: 'media', id, nonce: challenge.nonce, signature });
console.log(`token=${token.token}`);
console.log(`sha256=${sha256}`);
