import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { startCodecServer } from '../../src/codec/server';
import { repoRoot } from '../helpers/paths';
import { tempFolder } from '../helpers/temp-dir';
import { json, keysFile, ring } from './helpers';

const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const agentOs = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, AGENT_OS_CODEC_KEYS: '', AGENT_OS_CODEC_KEYS_FILE: '' },
  });

test('agent-os codec-server: no keys, a non-loopback host without TLS, half a TLS pair → exit 2 naming the fix, nothing served', () => {
  const noKeys = agentOs('codec-server', '--port', '0');
  assert.equal(noKeys.status, 2);
  assert.match(noKeys.stderr, /no codec keys: pass --codec-keys FILE or set AGENT_OS_CODEC_KEYS_FILE/);
  const file = keysFile('k');
  const open = agentOs('codec-server', '--codec-keys', file, '--host', '0.0.0.0', '--port', '0');
  assert.equal(open.status, 2);
  assert.match(open.stderr, /--host 0\.0\.0\.0 is not a loopback address: serve it with --tls-cert\/--tls-key/);
  const half = agentOs('codec-server', '--codec-keys', file, '--tls-cert', file, '--port', '0');
  assert.equal(half.status, 2);
  assert.match(half.stderr, /--tls-cert and --tls-key go together/);
  fs.chmodSync(file, 0o644);
  const loose = agentOs('codec-server', '--codec-keys', file, '--port', '0');
  assert.equal(loose.status, 2);
  assert.match(loose.stderr, /chmod 600/);
});

/** A CA, a server certificate for 127.0.0.1, a client certificate it signed, and one it did not (openssl). */
function certificates(): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'strangerCert' | 'strangerKey', string> {
  const dir = tempFolder('agent-os-mtls-');
  const ssl = (...args: string[]): void => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    } catch (err) {
      throw new Error(`openssl ${args[0]} failed (install Debian's openssl package): ${(err as Error).message}`);
    }
  };
  const leaf = (name: string, ca: boolean): void => {
    ssl(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name === 'server' ? '127.0.0.1' : name}`,
    );
    fs.writeFileSync(path.join(dir, `${name}.ext`), name === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
    if (ca)
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      );
    else ssl('x509', '-req', '-in', `${name}.csr`, '-signkey', `${name}.key`, '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=agent-os test CA');
  leaf('server', true);
  leaf('client', true);
  leaf('stranger', false);
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    ca: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    strangerCert: read('stranger.pem'),
    strangerKey: read('stranger.key'),
  };
}

function decodeOver(url: string, ca: string, client: { cert: string; key: string } | undefined, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${url}/decode`, { method: 'POST', ca, ...(client ?? {}), headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test("codec server over mTLS: a client certificate from the CA → decoded without a token; no certificate or a stranger's → the TLS handshake is refused", async () => {
  const certs = certificates();
  const keys = ring('mtls');
  const [encrypted] = await new AesGcmCodec(keys).encode([json('over mtls')]);
  const body = {
    payloads: [
      {
        metadata: Object.fromEntries(Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        data: Buffer.from(encrypted!.data!).toString('base64'),
      },
    ],
  };
  const server = await startCodecServer({ codec: new AesGcmCodec(keys), tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca } });
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await decodeOver(server.url, certs.ca, { cert: certs.clientCert, key: certs.clientKey }, body), 200);
    await assert.rejects(decodeOver(server.url, certs.ca, undefined, body));
    await assert.rejects(decodeOver(server.url, certs.ca, { cert: certs.strangerCert, key: certs.strangerKey }, body));
  } finally {
    await server.close();
  }
});
