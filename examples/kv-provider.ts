/**
 * A custom provider: an in-memory key-value store with `kv.get` and `kv.put`.
 *
 * What every provider does:
 * 1. `actions` names the actions it executes. Names outside `fs.` / `proc.` / `net.` are
 *    custom; the kernel passes them to the policy loader, so a policy may grant them and a
 *    typo in a policy is still an error.
 * 2. `resolve` turns the agent's target into the canonical target the policy judges (here:
 *    a key, lower-cased, `/`-separated, no `..`). Throw a typed error to refuse a target:
 *    the kernel answers DENIED with your message as the reason.
 * 3. `execute` first calls `assertKernelGrant(context, this.name)`, so only `Kernel.submit`
 *    can reach it, then acts on `request.canonicalTarget` — never on the raw target.
 *
 *   node dist/examples/kv-provider.js
 */
import {
  AgentOsError,
  Kernel,
  assertKernelGrant,
  loadPolicyText,
  type ActionRequest,
  type ExecutionContext,
  type Provider,
  type ResolvedRequest,
} from 'agent-os-kernel';

/** A key the store refuses to judge (empty, or with `..` / empty segments). */
export class InvalidKeyError extends AgentOsError {
  readonly code = 'Kv.InvalidKey';
  constructor(readonly key: string) {
    super(`invalid key ${JSON.stringify(key)}: use lower-case segments separated by "/"`);
  }
}

/** An in-memory key-value store behind the kernel. */
export class KvProvider implements Provider {
  readonly name = 'kv';
  readonly actions = ['kv.get', 'kv.put'] as const;
  private readonly store = new Map<string, string>();

  async resolve(request: ActionRequest): Promise<ResolvedRequest> {
    const key = request.target.trim().toLowerCase();
    const segments = key.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new InvalidKeyError(request.target);
    return { action: request.action, target: request.target, canonicalTarget: key, params: request.params ?? {} };
  }

  async execute(request: ResolvedRequest, context: ExecutionContext): Promise<unknown> {
    assertKernelGrant(context, this.name);
    if (request.action === 'kv.put') {
      this.store.set(request.canonicalTarget, String(request.params['value'] ?? ''));
      return { stored: request.canonicalTarget };
    }
    return this.store.get(request.canonicalTarget) ?? null;
  }
}

/** The policy of the example: agents may read anything under `notes/` and write under `notes/drafts/`. */
export const KV_POLICY = `capabilities:
  - action: kv.get
    resource: "notes/**"
  - action: kv.put
    resource: "notes/drafts/**"
deny:
  - action: kv.*
    resource: "notes/private/**"
`;

async function main(): Promise<void> {
  const providers = [new KvProvider()];
  const policy = loadPolicyText(KV_POLICY, 'kv-policy.yaml', { extraActions: ['kv.get', 'kv.put'] });
  const kernel = new Kernel({ policy, providers });
  const put = await kernel.submit({ action: 'kv.put', target: 'Notes/Drafts/todo', params: { value: 'ship it' } });
  const get = await kernel.submit({ action: 'kv.get', target: 'notes/drafts/todo' });
  const secret = await kernel.submit({ action: 'kv.get', target: 'notes/private/diary' });
  const sneaky = await kernel.submit({ action: 'kv.get', target: 'notes/../private' });
  console.log(put.status, get.status, JSON.stringify(get.data));
  console.log(secret.status, secret.error, `(${secret.ruleId ?? ''})`);
  console.log(sneaky.status, sneaky.code);
  await kernel.close();
}

if (require.main === module) {
  void main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
