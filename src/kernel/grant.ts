/**
 * Execution grants: the mechanism that makes `Kernel.submit` the only path to a provider.
 *
 * The kernel mints a fresh grant for every allowed decision and passes it in the
 * {@link ExecutionContext}. Providers call {@link assertKernelGrant} first thing in
 * `execute`; a context that did not come from the kernel (a forged object, a reused
 * grant) is refused with `Kernel.Unauthorized`. Grants are single-use.
 */
import { AgentOsError } from '../errors';
import type { ExecutionContext } from './types';
import { KernelCode } from './errors';

/** Contexts whose grant is still unused (one weak set: a grant is its context, consumed once). */
const live = new WeakSet<ExecutionContext>();

/** A provider was called with a context the kernel did not issue. */
export class UnauthorizedExecutionError extends AgentOsError {
  readonly code = KernelCode.Unauthorized;
  constructor(readonly provider: string) {
    super(`provider "${provider}" was called outside Kernel.submit; providers run only for allowed decisions`);
  }
}

/** Kernel-internal: mark a context as issued for exactly one execution. */
export function issueGrant<T extends ExecutionContext>(context: T): T {
  live.add(context);
  return context;
}

/**
 * Providers: verify the context was issued by the kernel and consume its grant.
 * @throws UnauthorizedExecutionError when the context is forged or already used.
 */
export function assertKernelGrant(context: ExecutionContext, provider: string): void {
  // delete() answers whether it was there: checks and consumes the grant in one step.
  if (!live.delete(context)) throw new UnauthorizedExecutionError(provider);
}
