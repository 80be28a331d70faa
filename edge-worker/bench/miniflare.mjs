// The same built worker driven by Miniflare directly (no `wrangler dev` proxy in front), on the
// state `wrangler dev` persisted, so run.sh can show what the proxy costs. Runs until SIGTERM.
//
//   node miniflare.mjs PORT PERSIST_DIR ENV_FILE [relay|bare-r2]
//
// `bare-r2` runs, instead of the relay, a three-line JavaScript worker that streams the bucket's
// first object: the local R2 emulation's own ceiling, with no Rust, no auth and no policy.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

const [port, persist, envFile, mode = 'relay'] = process.argv.slice(2);
const worker = join(dirname(fileURLToPath(import.meta.url)), '..');
const bindings = Object.fromEntries(
  readFileSync(envFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);
const BARE_R2 = `export default {
  async fetch(request, env) {
    const { objects } = await env.CONTENT.list({ limit: 1 });
    const object = objects.length ? await env.CONTENT.get(objects[0].key) : null;
    return object ? new Response(object.body, { headers: { 'content-length': String(object.size) } }) : new Response('empty bucket', { status: 404 });
  },
};`;
const script =
  mode === 'bare-r2'
    ? { modules: true, script: BARE_R2 }
    : {
        modules: true,
        modulesRoot: join(worker, 'build'),
        scriptPath: join(worker, 'build', 'index.js'),
        modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      };
const mf = new Miniflare({
  host: '127.0.0.1',
  port: Number(port),
  ...script,
  compatibilityDate: '2026-04-01',
  d1Databases: { DB: '00000000-0000-0000-0000-000000000000' },
  r2Buckets: { CONTENT: 'osdgate-content' },
  kvNamespaces: { KV: '00000000000000000000000000000000' },
  d1Persist: join(persist, 'v3', 'd1'),
  r2Persist: join(persist, 'v3', 'r2'),
  kvPersist: join(persist, 'v3', 'kv'),
  bindings: { CONSOLE_ORIGIN: '', GATEWAY_ID: '', ...bindings },
});
const url = await mf.ready;
console.log(`miniflare=${url}`);
const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
