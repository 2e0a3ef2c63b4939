/** Shared set-up for process provider tests: a temp workspace mount and kernel-issued contexts. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { issueGrant } from '../../src/kernel/grant';
import type { ExecutionContext } from '../../src/kernel/types';
import type { ProcessProvider, ProcessResult } from '../../src/providers/process';

/** A fresh workspace directory (mode 755 so an unprivileged uid can enter it). */
export function makeWorkspace(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-proc-')));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** A context as the kernel would mint it for an allow decision with `constraint`. */
export function allowContext(target: string, constraint: Record<string, unknown> = {}, signal?: AbortSignal): ExecutionContext {
  return issueGrant({
    decision: { effect: 'allow', ruleId: 'test', reason: 'test rule', target },
    constraint,
    ...(signal !== undefined ? { signal } : {}),
  });
}

/** resolve + execute, as the kernel does for an allowed request. */
export async function run(
  provider: ProcessProvider,
  target: string,
  params: Record<string, unknown> = {},
  constraint: Record<string, unknown> = {},
): Promise<ProcessResult> {
  const resolved = await provider.resolve({ action: 'proc.exec', target, params });
  return provider.execute(resolved, allowContext(resolved.canonicalTarget, constraint));
}
