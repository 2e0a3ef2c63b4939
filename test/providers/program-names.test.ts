/**
 * A deny or ask rule on a program is not dodged by naming the program another way: `touch`
 * and `/usr/bin/touch`, or a link (`/usr/bin/python3`) and the file it leads to. Real
 * bubblewrap, a workspace on disk: a program that runs leaves its file behind.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import { ProcessProvider } from '../../src/providers/process';
import { programAliases } from '../../src/providers/program-names';
import { makeWorkspace } from './process-fixture';
import { cliSync } from '../cli/worker-harness';

interface LogRecord {
  readonly action: string;
  readonly status: string;
  readonly rule_id?: string;
  readonly reason?: string;
}

describe('proc.exec: deny and ask rules follow every name of the program', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { mode: 0o755 });
  let n = 0;
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function kernelWith(rules: string[]): { kernel: Kernel; logPath: string } {
    n += 1;
    const logPath = path.join(root, `kernel-${n}.log`);
    const policy = ['version: 1', ...rules, ''].join('\n');
    const kernel = new Kernel({
      policy: loadPolicyText(policy, `policy-${n}.yaml`),
      providers: [new ProcessProvider({ mounts: { '/workspace': ws } })],
      logPath,
    });
    return { kernel, logPath };
  }

  function lastRecord(logPath: string): LogRecord {
    const lines = fs.readFileSync(logPath, 'utf8').trim().split('\n');
    return JSON.parse(lines[lines.length - 1] ?? '{}') as LogRecord;
  }

  /** Runs `program` to create `/workspace/<file>`; true when the file exists afterwards. */
  async function touches(kernel: Kernel, program: string, file: string): Promise<{ status: string; created: boolean }> {
    const r = await kernel.submit({ action: 'proc.exec', target: program, params: { args: [`/workspace/${file}`], cwd: '/workspace' } });
    return { status: r.status, created: fs.existsSync(path.join(ws, file)) };
  }

  const anyInUsrBin = '  - { id: usr-bin, action: proc.exec, resource: "/usr/bin/*", constraint: { args: ["**"] } }';

  test('deny on the bare name, program named by its absolute path → DENIED by that rule, nothing runs (ran before)', async () => {
    const { kernel, logPath } = kernelWith(['capabilities:', anyInUsrBin, 'deny:', '  - { id: no-touch, action: proc.exec, resource: touch }']);
    const out = await touches(kernel, '/usr/bin/touch', 'abs');
    await kernel.close();
    assert.deepEqual(out, { status: 'DENIED', created: false });
    const rec = lastRecord(logPath);
    assert.equal(rec.rule_id, 'no-touch');
    assert.match(rec.reason ?? '', /on \/usr\/bin\/touch \(as touch\)/);
  });

  test('deny on the absolute path, program named bare → DENIED (ran before)', async () => {
    const { kernel, logPath } = kernelWith([
      'capabilities:',
      '  - { id: touch, action: proc.exec, resource: touch, constraint: { args: ["**"] } }',
      'deny:',
      '  - { id: no-usr-touch, action: proc.exec, resource: /usr/bin/touch }',
    ]);
    const out = await touches(kernel, 'touch', 'bare');
    await kernel.close();
    assert.deepEqual(out, { status: 'DENIED', created: false });
    assert.equal(lastRecord(logPath).rule_id, 'no-usr-touch');
  });

  test('deny on a link, program named by that link → DENIED although it is judged at the real file (ran before)', async () => {
    const link = fs.readlinkSync('/usr/bin/python3'); // python3 → python3.11 on this system
    assert.notEqual(link, 'python3');
    const { kernel } = kernelWith(['capabilities:', anyInUsrBin, 'deny:', '  - { id: no-py, action: proc.exec, resource: /usr/bin/python3 }']);
    const r = await kernel.submit({
      action: 'proc.exec',
      target: '/usr/bin/python3',
      params: { args: ['-c', 'open("/workspace/py","w")'], cwd: '/workspace' },
    });
    const bare = await kernel.decide({ action: 'proc.exec', target: 'python3', params: { args: ['-V'] } });
    await kernel.close();
    assert.equal(r.status, 'DENIED');
    assert.equal(fs.existsSync(path.join(ws, 'py')), false);
    assert.equal(bare.effect, 'deny', 'the bare name leads to the same file: not granted by /usr/bin/*, and denied anyway');
  });

  test('ask on the bare name, program named by its absolute path → asks (ran without approval before)', async () => {
    const { kernel } = kernelWith(['capabilities:', anyInUsrBin, 'ask:', '  - { id: ask-touch, action: proc.exec, resource: touch }']);
    const d = await kernel.decide({ action: 'proc.exec', target: '/usr/bin/touch', params: { args: ['/workspace/asked'] } });
    const out = await touches(kernel, '/usr/bin/touch', 'asked');
    await kernel.close();
    assert.equal(d.effect, 'ask');
    assert.equal(d.ruleId, 'ask-touch');
    assert.equal(out.created, false);
  });

  test('a grant is never widened by another name: bare grant, absolute request → default deny', async () => {
    const { kernel } = kernelWith(['capabilities:', '  - { id: touch, action: proc.exec, resource: touch, constraint: { args: ["**"] } }']);
    const out = await touches(kernel, '/usr/bin/touch', 'widened');
    await kernel.close();
    assert.deepEqual(out, { status: 'DENIED', created: false });
  });

  test('a deny on another program leaves this one alone → OK, the file is there', async () => {
    const { kernel } = kernelWith(['capabilities:', anyInUsrBin, 'deny:', '  - { id: no-curl, action: proc.exec, resource: curl }']);
    const out = await touches(kernel, '/usr/bin/touch', 'allowed');
    await kernel.close();
    assert.deepEqual(out, { status: 'OK', created: true });
  });

  test('programAliases: the PATH entry, its real file and their bare names; none for a name not on the PATH', () => {
    assert.deepEqual(programAliases('touch', 'touch', ['/nonexistent', '/usr/bin']), ['/usr/bin/touch']);
    const real = fs.realpathSync('/usr/bin/python3');
    assert.deepEqual(programAliases('python3', 'python3', ['/usr/bin']), ['/usr/bin/python3', real, path.basename(real)]);
    assert.deepEqual(programAliases('/usr/bin/python3', real, ['/usr/bin']), ['/usr/bin/python3', 'python3', path.basename(real)]);
    assert.deepEqual(programAliases('no-such-program-here', 'no-such-program-here', ['/usr/bin']), []);
  });

  test('policy explain: a program named another way than the deny rule → DENY as the kernel decides, with the names it matched', () => {
    const file = path.join(root, 'explain.yaml');
    fs.writeFileSync(file, ['version: 1', 'capabilities:', anyInUsrBin, 'deny:', '  - { id: no-touch, action: proc.exec, resource: touch }', ''].join('\n'));
    const text = cliSync(['policy', 'explain', file, 'proc.exec', '/usr/bin/touch']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^DENY proc\.exec \/usr\/bin\/touch\n/);
    assert.match(text.stdout, /names: {2}touch \(deny and ask rules match these too\)/);
    const json = JSON.parse(cliSync(['policy', 'explain', file, 'proc.exec', 'touch', '--json']).stdout) as { effect: string; aliases?: string[] };
    assert.equal(json.effect, 'deny');
    assert.ok(json.aliases?.includes('/usr/bin/touch'), JSON.stringify(json));
  });
});
