/**
 * Decisions per second of `evaluate` on a 100-rule policy over pre-canonicalised requests
 * (a mix of allowed, denied and asked), beside two baselines measured in the same run:
 * a naive scan calling `micromatch.isMatch` per rule per request (no compilation, no
 * index), and a plain `Map` lookup of a precomputed answer (the floor of any decision).
 */
import micromatch from 'micromatch';
import { compilePolicy } from '../src/policy/compile';
import { evaluate } from '../src/policy/evaluate';
import { RuleKind, type CanonicalRequest, type PolicyDocument, type Rule, type RuleConstraint } from '../src/policy/types';
import type { BenchRow } from './types';

const PROJECTS = 12;

function rule(kind: RuleKind, n: number, action: string, resource: string, constraint: RuleConstraint = {}): Rule {
  return { id: `${kind}-${n}`, kind, action, resource, constraint, position: { file: 'bench.yaml', line: n + 1, col: 1 } };
}

/** 100 rules over several actions: per project read/write/list/delete grants, denies and asks, plus programs and hosts. */
export function benchPolicy(): PolicyDocument {
  const caps: Rule[] = [];
  const deny: Rule[] = [];
  const ask: Rule[] = [];
  for (let p = 0; p < PROJECTS; p++) {
    caps.push(rule(RuleKind.Capability, caps.length, 'fs.read', `/workspace/p${p}/**`));
    caps.push(rule(RuleKind.Capability, caps.length, 'fs.write', `/workspace/p${p}/out/**`, { max_bytes: 1_000_000 }));
    caps.push(rule(RuleKind.Capability, caps.length, 'fs.list', `/workspace/p${p}/**`));
    caps.push(rule(RuleKind.Capability, caps.length, 'fs.delete', `/workspace/p${p}/tmp/**`));
    deny.push(rule(RuleKind.Deny, deny.length, 'fs.*', `/workspace/p${p}/secrets/**`));
    ask.push(rule(RuleKind.Ask, ask.length, 'fs.write', `/workspace/p${p}/out/release/**`));
    caps.push(rule(RuleKind.Capability, caps.length, 'net.http', `https://api${p}.example.com/**`, { method: ['GET', 'POST'] }));
  }
  for (const program of ['git', 'ls', 'cat', 'grep', 'make', 'node', 'npm', 'python3']) {
    caps.push(rule(RuleKind.Capability, caps.length, 'proc.exec', program));
  }
  deny.push(rule(RuleKind.Deny, deny.length, '*', '/etc/**'), rule(RuleKind.Deny, deny.length + 1, 'fs.*', '/workspace/**/.env'));
  ask.push(rule(RuleKind.Ask, ask.length, 'proc.exec', 'git', { args: ['push', '**'] }));
  ask.push(rule(RuleKind.Ask, ask.length, 'net.http', 'https://deploy.example.com/**'));
  while (caps.length + deny.length + ask.length < 100) caps.push(rule(RuleKind.Capability, caps.length, 'kv.get', `users/u${caps.length}/*`));
  return { file: 'bench.yaml', hash: '0'.repeat(64), capabilities: caps, deny, ask };
}

/** A deterministic mix of canonical requests: roughly half allowed, the rest denied or asked. */
export function benchRequests(): CanonicalRequest[] {
  const out: CanonicalRequest[] = [];
  for (let i = 0; i < 512; i++) {
    const p = i % (PROJECTS + 2);
    const r = (action: string, target: string, params: Record<string, unknown> = {}) => out.push({ action, target, params });
    switch (i % 8) {
      case 0:
        r('fs.read', `/workspace/p${p}/src/module${i}/index.ts`);
        break;
      case 1:
        r('fs.write', `/workspace/p${p}/out/report-${i}.md`, { bytes: 2048 });
        break;
      case 2:
        r('fs.read', `/workspace/p${p}/secrets/key-${i}.pem`);
        break;
      case 3:
        r('fs.write', `/workspace/p${p}/out/release/v${i}.tgz`);
        break;
      case 4:
        r('net.http', `https://api${p}.example.com/v1/items/${i}`, { method: 'GET' });
        break;
      case 5:
        r('proc.exec', i % 16 === 5 ? 'git' : 'curl', { args: i % 16 === 5 ? ['push', 'origin'] : ['-s'] });
        break;
      case 6:
        r('fs.read', `/workspace/p${p}/.git/config`);
        break;
      default:
        r('fs.write', `/etc/cron.d/job${i}`);
        break;
    }
  }
  return out;
}

/** The baseline: every rule, every request, `micromatch.isMatch` each time; same effect order. */
function naiveEvaluate(doc: PolicyDocument, req: CanonicalRequest): string {
  const hit = (rules: readonly Rule[], dot: boolean) =>
    rules.some((x) => micromatch.isMatch(req.action, x.action) && micromatch.isMatch(req.target, x.resource, { dot }));
  if (hit(doc.deny, true)) return 'deny';
  if (hit(doc.ask, false)) return 'ask';
  return hit(doc.capabilities, false) ? 'allow' : 'deny';
}

/** Decisions per second of `decide` over `requests`, run for at least `ms` milliseconds. */
function rate(requests: readonly CanonicalRequest[], decide: (r: CanonicalRequest) => unknown, ms: number): number {
  for (let i = 0; i < Math.min(2000, requests.length * 4); i++) decide(requests[i % requests.length] as CanonicalRequest);
  let count = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (const req of requests) if (decide(req) !== undefined) sink++;
    count += requests.length;
    now = process.hrtime.bigint();
  }
  if (sink !== count) throw new Error('benchmark decision missing');
  return count / (Number(now - start) / 1e9);
}

/** Runs the policy benchmark (about 1.5 s). */
export async function run(): Promise<BenchRow[]> {
  const doc = benchPolicy();
  const policy = compilePolicy(doc);
  const requests = benchRequests();
  const effects = new Map<string, string>();
  for (const r of requests) effects.set(`${r.action} ${r.target}`, evaluate(policy, r).effect);
  const mix: Record<string, number> = {};
  for (const r of requests) {
    const e = effects.get(`${r.action} ${r.target}`) ?? 'none';
    mix[e] = (mix[e] ?? 0) + 1;
  }
  const mixNote = `100 rules, ${requests.length} requests: ${Object.entries(mix)
    .map(([e, n]) => `${n} ${e}`)
    .join(', ')}`;
  const ours = rate(requests, (r) => evaluate(policy, r), 700);
  const naive = rate(requests, (r) => naiveEvaluate(doc, r), 400);
  const floor = rate(requests, (r) => effects.get(`${r.action} ${r.target}`), 400);
  return [
    { name: 'policy evaluate vs naive micromatch scan', ours, baseline: naive, unit: 'decisions/s', note: mixNote },
    { name: 'policy evaluate vs Map lookup floor', ours, baseline: floor, unit: 'decisions/s', note: 'floor: precomputed effect by "action target" key' },
  ];
}
