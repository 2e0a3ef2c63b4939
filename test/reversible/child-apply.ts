/**
 * Run as a separate process by the tests: builds its own kernel + layer over a test's
 * folders and applies one write. argv[2] is JSON: { env, key, target, content, crash? }.
 * `crash: 'before-write'` kills the process (SIGKILL) when the provider is about to write —
 * after the snapshot is persisted; `'after-write'` kills it right after the write, before
 * the layer marks the record applied. Otherwise prints the result as JSON.
 */
import { FilesystemProvider } from '../../src/providers/filesystem';
import type { ExecutionContext, ResolvedRequest } from '../../src/kernel/types';
import { type Env, open } from './helpers';

interface Job {
  readonly env: Env;
  readonly key: string;
  readonly target: string;
  readonly content: string;
  readonly crash?: 'before-write' | 'after-write';
}

class CrashingProvider extends FilesystemProvider {
  constructor(
    env: Env,
    private readonly crash: Job['crash'],
  ) {
    super({ mounts: { '/workspace': env.ws } });
  }

  override async execute(request: ResolvedRequest, context: ExecutionContext): Promise<unknown> {
    if (request.action === 'fs.write' && this.crash === 'before-write') process.kill(process.pid, 'SIGKILL');
    const out = await super.execute(request, context);
    if (request.action === 'fs.write' && this.crash === 'after-write') process.kill(process.pid, 'SIGKILL');
    return out;
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const { kernel, layer } = open(job.env, { provider: new CrashingProvider(job.env, job.crash) });
  const result = await layer.submit({ action: 'fs.write', target: job.target, params: { content: job.content } }, { idempotencyKey: job.key });
  await kernel.close();
  process.stdout.write(JSON.stringify(result));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
