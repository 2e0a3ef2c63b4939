/**
 * Every stable error code of agent-os-kernel in one const-object union, grouped by the
 * module that owns (throws or answers with) it. Codes never change once published; check
 * `code` (or `failure.type` across the workflow boundary) against these constants, never
 * with `instanceof`.
 * @example
 * import { ErrorCode } from 'agent-os-kernel';
 * if (result.code === ErrorCode.Fs.Escape) console.log('outside the workspace');
 */
import { ActivityCode } from './activities/error-codes';
import { ClientCode } from './client/errors';
import { DevCode } from './dev/errors';
import { KernelCode } from './kernel/errors';
import { ModelFailure } from './model/failure-codes';
import { PolicyCode } from './policy/errors';
import { ProviderCode } from './providers/errors';
import { FsCode } from './providers/fs-errors';
import { ReversibleCode } from './reversible/errors';
import { WorkerCode } from './worker/errors';
import { BudgetCode, RunCode, ToolCode } from './workflows/failure-codes';

/** Every error code, by owning module. */
export const ErrorCode = {
  Kernel: KernelCode,
  Policy: PolicyCode,
  Fs: FsCode,
  Provider: ProviderCode,
  Reversible: ReversibleCode,
  Activity: ActivityCode,
  Model: ModelFailure,
  Run: RunCode,
  Budget: BudgetCode,
  Tool: ToolCode,
  Client: ClientCode,
  Worker: WorkerCode,
  Dev: DevCode,
} as const;

/** The union of every error code string. */
export type ErrorCode = { [M in keyof typeof ErrorCode]: (typeof ErrorCode)[M][keyof (typeof ErrorCode)[M]] }[keyof typeof ErrorCode];

/** True when `code` is one of this package's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && ALL.has(code);
}

const ALL: ReadonlySet<string> = new Set(Object.values(ErrorCode).flatMap((m) => Object.values(m) as string[]));
