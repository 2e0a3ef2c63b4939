/**
 * The seed's quickstart (kernel part), 1:1 in TypeScript.
 *
 *   node dist/examples/quickstart.js [DIR]
 *
 * Works in DIR (default: a fresh temp folder): writes policy.yaml (the seed's policy),
 * creates a workspace with data.csv mounted at /workspace, runs the two submits, and
 * leaves kernel.log there. Prints: OK, the file contents, DENIED, not permitted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel, type ActionRequest } from '../src/index';
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

  await kernel.close();
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
