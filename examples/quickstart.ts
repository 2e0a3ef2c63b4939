/**
 * The seed's quickstart (kernel and reversible parts), 1:1 in TypeScript.
 *
 *   node dist/examples/quickstart.js [DIR]
 *
 * Works in DIR (default: a fresh temp folder): writes policy.yaml (the seed's policy),
 * creates a workspace with data.csv and output/report.md mounted at /workspace, runs the two
 * submits, then writes report.md through the reversible layer and rolls it back, and
 * leaves kernel.log and .snapshots there. Prints: OK, the file contents, DENIED,
 * not permitted, the record id, OK.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FsDeleteSnapshotStrategy,
  FsWriteSnapshotStrategy,
  Kernel,
  ReversibleActionLayer,
  SnapshotStore,
  type ActionRequest,
} from '../src/index';
import { FilesystemProvider } from '../src/providers/filesystem';
import { ProcessProvider } from '../src/providers/process';

// 1. Define a policy (the seed's policy.yaml, verbatim).
const POLICY_YAML = `capabilities:
  - action: fs.read
    resource: /workspace/**

  - action: fs.write
    resource: /workspace/output/**

  - action: proc.exec
    resource: git

  - action: net.http
    resource: https://api.example.com/**
    constraint:
      method: GET
`;

async function main(): Promise<void> {
  const dir = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-quickstart-'));
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'data.csv'), 'name,score\nada,3\ngrace,5\n');
  fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'output', 'report.md'), '# Report\n\noriginal content\n');
  fs.writeFileSync(path.join(dir, 'policy.yaml'), POLICY_YAML);
  process.chdir(dir);

  // 2. Create and use the kernel.
  // Initialize kernel with policy and providers
  const kernel = new Kernel({
    policy: 'policy.yaml',
    providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } }), new ProcessProvider({ mounts: { '/workspace': workspace } })],
    logPath: 'kernel.log',
  });

  // Submit an action — this one is allowed
  let result = await kernel.submit({
    action: 'fs.read',
    target: '/workspace/data.csv',
  } satisfies ActionRequest);
  console.log(result.status); // "OK"
  console.log(result.data); // file contents

  // Submit an action — this one is denied by policy
  result = await kernel.submit({
    action: 'fs.write',
    target: '/etc/passwd',
    params: { content: 'hacked' },
  } satisfies ActionRequest);
  console.log(result.status); // "DENIED"
  console.log(result.error); // "not permitted"

  // Using the reversible action layer.
  // Wrap the kernel with the reversible layer
  const layer = new ReversibleActionLayer({
    kernel,
    strategies: [new FsWriteSnapshotStrategy(), new FsDeleteSnapshotStrategy()],
    store: new SnapshotStore('.snapshots'),
  });

  // Write through the layer — snapshot is captured automatically
  result = await layer.submit({
    action: 'fs.write',
    target: '/workspace/output/report.md',
    params: { content: 'new content' },
  } satisfies ActionRequest);
  console.log(result.recordId); // e.g. "a1b2c3d4..."

  // Roll back if needed
  const rollbackResult = await layer.rollback(result.recordId as string);
  console.log(rollbackResult.status); // "OK" — original content restored

  await kernel.close();
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
