import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodecErrorCode } from '../../src/codec/errors';
import { ensureKeyRingFile, keyRingFromEnv, newKeyLine, parseKeyRing, readKeyRingFile } from '../../src/codec/key-ring';
import { tempFolder } from '../helpers/temp-dir';
import { keysFile } from './helpers';

const k = (): string => Buffer.alloc(32, 3).toString('base64');

test('key ring: lines and comma-separated entries, comments → every key decrypts, the last one encrypts', () => {
  const keys = parseKeyRing(`# keys\na:${k()}\n\nb:${k()}, c:${k()}  # newest`, 'x');
  assert.deepEqual([...keys.keys.keys()], ['a', 'b', 'c']);
  assert.equal(keys.current, 'c');
});

test('key ring: bad entries → Codec.KeyConfig naming the source and line, never the key material', () => {
  const cases: Array<[string, RegExp]> = [
    ['a:c2hvcnQ=', /x: line 1: key "a" must be 32 bytes in base64 \(got 5 bytes\)/],
    [`no-colon`, /line 1: expected <key-id>:<base64 key>/],
    [`bad id!:${k()}`, /key id "bad id!" must be/],
    [`a:${k()}\na:${k()}`, /line 2: key id "a" appears twice/],
    ['# nothing', /no keys/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseKeyRing(text, 'x'),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, CodecErrorCode.KeyConfig);
        assert.match(err.message, message);
        assert.ok(!err.message.includes(k()), 'no key material in the message');
        return true;
      },
    );
  }
});

test('key ring: a keys file others can read → Codec.KeyConfig saying chmod 600', () => {
  const file = keysFile('a');
  fs.chmodSync(file, 0o644);
  assert.throws(() => readKeyRingFile(file), /mode 644 lets others read or change the keys — run: chmod 600/);
  fs.chmodSync(file, 0o600);
  assert.equal(readKeyRingFile(file).current, 'a');
});

test('key ring: a symlink is judged by the file it points to (Kubernetes secret volumes); a missing file → Codec.KeyConfig', () => {
  const file = keysFile('a');
  const link = `${file}.link`;
  fs.symlinkSync(file, link);
  assert.equal(readKeyRingFile(link).current, 'a');
  fs.chmodSync(file, 0o640);
  assert.throws(() => readKeyRingFile(link), /mode 640/);
  assert.throws(() => readKeyRingFile(path.join(os.tmpdir(), 'agent-os-no-such-keys')), /cannot read the keys file \(ENOENT\)/);
});

test('key ring: from the environment → the flag wins, then the file variable, then the inline variable; both variables → refused', () => {
  const file = keysFile('from-file');
  const inline = newKeyLine('inline');
  assert.equal(keyRingFromEnv(undefined, {}), undefined);
  assert.equal(keyRingFromEnv(undefined, { AGENT_OS_CODEC_KEYS: inline })?.current, 'inline');
  assert.equal(keyRingFromEnv(undefined, { AGENT_OS_CODEC_KEYS_FILE: file })?.current, 'from-file');
  assert.equal(keyRingFromEnv(file, { AGENT_OS_CODEC_KEYS: inline, AGENT_OS_CODEC_KEYS_FILE: '/nope' })?.current, 'from-file');
  assert.throws(
    () => keyRingFromEnv(undefined, { AGENT_OS_CODEC_KEYS: inline, AGENT_OS_CODEC_KEYS_FILE: file }),
    /both AGENT_OS_CODEC_KEYS and AGENT_OS_CODEC_KEYS_FILE/,
  );
});

test('key ring: AGENT_OS_CODEC_STRICT → a strict ring; off by default; a bad value or strict without keys → Codec.KeyConfig', () => {
  const inline = newKeyLine('inline');
  assert.equal(keyRingFromEnv(undefined, { AGENT_OS_CODEC_KEYS: inline })?.strict, undefined);
  assert.equal(keyRingFromEnv(undefined, { AGENT_OS_CODEC_KEYS: inline, AGENT_OS_CODEC_STRICT: '1' })?.strict, true);
  assert.equal(keyRingFromEnv(undefined, { AGENT_OS_CODEC_KEYS: inline, AGENT_OS_CODEC_STRICT: 'off' })?.strict, undefined);
  assert.throws(
    () => keyRingFromEnv(undefined, { AGENT_OS_CODEC_KEYS: inline, AGENT_OS_CODEC_STRICT: 'sometimes' }),
    (err: Error & { code?: string }) => err.code === 'Codec.KeyConfig' && /AGENT_OS_CODEC_STRICT: "sometimes" is not a switch/.test(err.message),
  );
  assert.throws(
    () => keyRingFromEnv(undefined, { AGENT_OS_CODEC_STRICT: 'true' }),
    (err: Error & { code?: string }) => err.code === 'Codec.KeyConfig' && /strict mode is on but no codec keys are configured/.test(err.message),
  );
});

test('key ring: ensureKeyRingFile → creates one key with mode 600 once, then reads the same key', () => {
  const file = path.join(tempFolder('agent-os-codec-'), 'sub', 'codec-keys');
  const first = ensureKeyRingFile(file);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const again = ensureKeyRingFile(file);
  assert.equal(again.current, first.current);
  assert.deepEqual(again.keys.get(again.current), first.keys.get(first.current));
});
