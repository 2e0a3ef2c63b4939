/** Shared set-up for kernel and filesystem tests: temp folders, policy files, a spy provider, log reading. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AuditEntry, hashParams } from '../../src/kernel/audit-record';
import { assertKernelGrant } from '../../src/kernel/grant';
import type { ActionRequest, ExecutionContext, Provider, ResolvedRequest } from '../../src/kernel/types';
import { tempFolder } from '../helpers/temp-dir';

/** A fresh temp folder (its real path), removed when the test process exits. */
export function tempDir(prefix = 'agent-os-test-'): string {
  return fs.realpathSync(tempFolder(prefix));
}

/** Writes `yaml` to policy.yaml in `dir` and returns its path. */
export function writePolicy(dir: string, yaml: string, name = 'policy.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml);
  return file;
}

/** Parsed records of a JSONL log. */
export function readLog(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A custom provider that records every call and answers with a canned function. */
export class SpyProvider implements Provider {
  readonly resolved: ActionRequest[] = [];
  readonly executed: ResolvedRequest[] = [];
  readonly contexts: ExecutionContext[] = [];

  constructor(
    readonly name: string,
    readonly actions: readonly string[],
    private readonly run: (request: ResolvedRequest, context: ExecutionContext) => Promise<unknown> = async () => 'done',
  ) {}

  async resolve(request: ActionRequest): Promise<ResolvedRequest> {
    this.resolved.push(request);
    return { action: request.action, target: request.target, canonicalTarget: request.target, params: request.params ?? {} };
  }

  async execute(request: ResolvedRequest, context: ExecutionContext): Promise<unknown> {
    assertKernelGrant(context, this.name);
    this.executed.push(request);
    this.contexts.push(context);
    return this.run(request, context);
  }
}

/** Audit entry number `i` (its target and params hash tell it apart; fixed timestamp and policy hash), for the log's own tests. */
export function auditEntry(i: number, action = 'fs.write'): AuditEntry {
  return {
    timestamp: new Date(0).toISOString(),
    action,
    target: `/workspace/${i}.txt`,
    status: 'OK',
    duration_ms: 1,
    policy_hash: 'p'.repeat(64),
    params_hash: hashParams({ i }),
  };
}
