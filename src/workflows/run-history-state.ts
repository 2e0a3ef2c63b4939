/**
 * The run's own durable state that history-aware policy rules (`max_calls`, `requires`,
 * `created_by_run`) are decided from: per-rule call counters, the (rule, target) pairs
 * rules granted, and the canonical targets the run created. Plain data, deterministic and
 * sandbox-safe: the workflow keeps it, carries it across continue-as-new and passes it to
 * the decide and execute steps; the library `Kernel` keeps the same state per session
 * (src/kernel/run-history.ts imports this file), so the rules mean the same in both places.
 *
 * A created target is bound to the file the run created (`createdFiles`: the provider's
 * identity of it, device, inode and birth time, as `<identity> <target>`): a delete or
 * overwrite that relies on `created_by_run` acts only on that same file, never on another
 * one put at the path later. Entries of `created` (the target alone) come from runs of
 * older code, or from an fs.write provider that reports no identity: they keep working as
 * before (checked by path only).
 *
 * What is recorded is decided by the kernel (it knows the policy): an executed action
 * returns {@link HistoryEffects}, which {@link applyHistoryEffects} folds in.
 *
 * Bound: `granted`, `created` and `createdFiles` together hold at most {@link MAX_HISTORY_CHARS} characters
 * (and an entry is at most {@link MAX_HISTORY_ENTRY_CHARS}). An entry that does not fit is
 * not kept and `dropped` counts it — fail closed: a `requires … same_target` or a
 * `created_by_run` that would need it then denies. Counters are never dropped (their number
 * is bounded by the policies' rules: one per rule with `max_calls` or named by `requires`,
 * plus `approval`).
 */

/** Characters `granted`, `created` and `createdFiles` may hold together (32 KiB). */
export const MAX_HISTORY_CHARS = 32_768;

/** Characters of one `granted` or `created` entry, and of the target of a `createdFiles` entry. */
const MAX_HISTORY_ENTRY_CHARS = 2_048;

/** Characters of a file identity (`<dev>:<ino>:<birth ns>` in decimal takes at most 61). */
const MAX_FILE_IDENTITY_CHARS = 64;

/** The counter key of approved `ask` decisions where the worker's ceiling (layer 0) asked. */
export const APPROVAL_KEY = 'approval';

/**
 * The counter key of approved `ask` decisions where policy layer `layer` asked: {@link APPROVAL_KEY}
 * for the ceiling (as recorded before layers were told apart), `approval:<layer>` for a run's own policy.
 */
export function approvalKey(layer: number): string {
  return layer === 0 ? APPROVAL_KEY : `${APPROVAL_KEY}:${layer}`;
}

/**
 * The run state history-aware rules read. Keys are `<layer>:<rule id>` (layer 0 is the
 * worker's ceiling, 1 the run's own policy) or {@link approvalKey} of a layer.
 */
export interface RunHistory {
  /** Actions each counted rule allowed (and that were executed), by key. */
  readonly calls?: Readonly<Record<string, number>>;
  /** `<key> <canonical target>` for rules a `requires … same_target` names. */
  readonly granted?: readonly string[];
  /**
   * Canonical targets an `fs.write` of this run created (and no later `fs.delete` removed, of
   * it or a folder above it), whose file identity is not known: recorded by older code, or
   * by a provider that reports none. A target is in `created` or in `createdFiles`, not both.
   */
  readonly created?: readonly string[];
  /**
   * The same, bound to the file: `<identity> <canonical target>`, the identity as the provider
   * read it from the descriptor of the file it wrote (`<dev>:<ino>:<birth time ns>`).
   */
  readonly createdFiles?: readonly string[];
  /** Entries not kept because of the bound (fail closed: they count as absent). */
  readonly dropped?: number;
}

/** What one executed action adds to the run state (computed by the kernel). */
export interface HistoryEffects {
  /** Counter keys to increment. */
  readonly calls?: readonly string[];
  /** `granted` entries to add. */
  readonly granted?: readonly string[];
  /** A canonical target this action created (or wrote again: its new file replaces the identity). */
  readonly created?: string;
  /** The identity of the file at `created` (no space in it), when the provider reported one. */
  readonly createdFile?: string;
  /** A canonical target this action deleted (no longer created by the run, nor anything below it). */
  readonly removed?: string;
}

/** True when `h` holds nothing (it is then left out of activity inputs). */
function isEmptyHistory(h: RunHistory | undefined): boolean {
  return (
    h === undefined ||
    ((h.calls === undefined || Object.keys(h.calls).length === 0) && !h.granted?.length && !h.created?.length && !h.createdFiles?.length && !h.dropped)
  );
}

/** The identity and the target of a `createdFiles` entry (the identity holds no space). */
export function splitCreatedFile(entry: string): { readonly file: string; readonly target: string } {
  const space = entry.indexOf(' ');
  return { file: entry.slice(0, space), target: entry.slice(space + 1) };
}

/** A valid file identity: non-empty, short, no whitespace (it is the first word of an entry). */
function isFileIdentity(file: unknown): file is string {
  return typeof file === 'string' && file !== '' && file.length <= MAX_FILE_IDENTITY_CHARS && !/\s/.test(file);
}

/** True when `target` is a target the run created (with or without its file identity). */
export function isCreated(state: RunHistory, target: string): boolean {
  return (state.created ?? []).includes(target) || (state.createdFiles ?? []).some((e) => splitCreatedFile(e).target === target);
}

/** Characters the bounded lists hold. */
function size(list: readonly string[] | undefined): number {
  let n = 0;
  for (const s of list ?? []) n += s.length;
  return n;
}

/**
 * `state` with `effects` folded in (a new object; `state` is not changed).
 * @example
 * applyHistoryEffects({}, { calls: ['1:writes'], created: '/workspace/a.txt' });
 * // { calls: { '1:writes': 1 }, created: ['/workspace/a.txt'] }
 */
export function applyHistoryEffects(state: RunHistory, effects: HistoryEffects | undefined): RunHistory {
  if (effects === undefined) return state;
  const calls: Record<string, number> = { ...(state.calls ?? {}) };
  for (const key of Array.isArray(effects.calls) ? effects.calls : []) if (typeof key === 'string') calls[key] = (calls[key] ?? 0) + 1;
  const granted = [...(state.granted ?? [])];
  let created = [...(state.created ?? [])];
  let files = [...(state.createdFiles ?? [])];
  let dropped = state.dropped ?? 0;
  // A deleted folder takes every created target below it along (a recursive delete): none of them is the run's any more.
  const removed = effects.removed;
  if (typeof removed === 'string') {
    const gone = (t: string): boolean => t === removed || t.startsWith(removed.endsWith('/') ? removed : `${removed}/`);
    created = created.filter((t) => !gone(t));
    files = files.filter((e) => !gone(splitCreatedFile(e).target));
  }
  // A target written again is bound to its new file (a write replaces the file): its old entry goes.
  const target = effects.created;
  if (typeof target === 'string') {
    created = created.filter((t) => t !== target);
    files = files.filter((e) => splitCreatedFile(e).target !== target);
  }
  let used = size(granted) + size(created) + size(files);
  const add = (list: string[], entry: unknown, limit = MAX_HISTORY_ENTRY_CHARS): void => {
    if (typeof entry !== 'string' || list.includes(entry)) return;
    if (entry.length > limit || used + entry.length > MAX_HISTORY_CHARS) {
      dropped++;
      return;
    }
    list.push(entry);
    used += entry.length;
  };
  for (const g of Array.isArray(effects.granted) ? effects.granted : []) add(granted, g);
  if (typeof target === 'string') {
    if (isFileIdentity(effects.createdFile)) add(files, `${effects.createdFile} ${target}`, MAX_HISTORY_ENTRY_CHARS + MAX_FILE_IDENTITY_CHARS + 1);
    else add(created, target);
  }
  return {
    ...(Object.keys(calls).length > 0 ? { calls } : {}),
    ...(granted.length > 0 ? { granted } : {}),
    ...(created.length > 0 ? { created } : {}),
    ...(files.length > 0 ? { createdFiles: files } : {}),
    ...(dropped > 0 ? { dropped } : {}),
  };
}

/**
 * The workflow's holder of its run state: folds in what each executed action adds and
 * gives the state to the next decide and execute steps (left out while empty, so runs
 * without history-aware rules send exactly what they sent before).
 */
export class RunHistoryState {
  private state: RunHistory;

  constructor(carried?: RunHistory) {
    this.state = carried ?? {};
  }

  /** The state now. */
  get current(): RunHistory {
    return this.state;
  }

  /** `{ history }` for an activity input, or `{}` while nothing was recorded. */
  input(): { history?: RunHistory } {
    return isEmptyHistory(this.state) ? {} : { history: this.state };
  }

  /** Folds in an executed action's effects (an outcome's `history`). */
  apply(effects: HistoryEffects | undefined): void {
    if (effects !== undefined) this.state = applyHistoryEffects(this.state, effects);
  }
}
