/**
 * The run state history-aware rules are decided from (src/workflows/run-history-state.ts),
 * as the kernel holds it: either given per submit by a caller that keeps it durably (the
 * workflow's activities pass the run's state) or kept by the kernel itself, one per kernel
 * session (each `Kernel`, and each narrowed view, is a session).
 */
import { types } from 'node:util';
import { applyHistoryEffects, type HistoryEffects, type RunHistory } from '../workflows/run-history-state';

/** Where a submit reads the run state and records what it adds. */
export interface HistorySink {
  /** The state to decide with. */
  get(): RunHistory;
  /** Folds in what the action adds (at once: a concurrent submit already sees it). */
  commit(effects: HistoryEffects): void;
}

/** The kernel's own per-session state. */
export class SessionHistory implements HistorySink {
  private state: RunHistory = {};

  get(): RunHistory {
    return this.state;
  }

  commit(effects: HistoryEffects): void {
    this.state = applyHistoryEffects(this.state, effects);
  }
}

/** A caller's state for one submit: read as given; what the action adds is collected for the result. */
export class GivenHistory implements HistorySink {
  private effects: { calls: string[]; granted: string[]; created?: string; createdFile?: string; removed?: string } = { calls: [], granted: [] };
  private state: RunHistory;

  constructor(given: RunHistory) {
    this.state = given;
  }

  get(): RunHistory {
    return this.state;
  }

  commit(effects: HistoryEffects): void {
    this.state = applyHistoryEffects(this.state, effects);
    this.effects.calls.push(...(effects.calls ?? []));
    this.effects.granted.push(...(effects.granted ?? []));
    if (effects.created !== undefined) {
      this.effects.created = effects.created;
      if (effects.createdFile !== undefined) this.effects.createdFile = effects.createdFile;
      else delete this.effects.createdFile;
    }
    if (effects.removed !== undefined) this.effects.removed = effects.removed;
  }

  /** What the submit added, or undefined when nothing. */
  added(): HistoryEffects | undefined {
    const e = this.effects;
    if (e.calls.length === 0 && e.granted.length === 0 && e.created === undefined && e.removed === undefined) return undefined;
    return {
      ...(e.calls.length > 0 ? { calls: e.calls } : {}),
      ...(e.granted.length > 0 ? { granted: e.granted } : {}),
      ...(e.created !== undefined ? { created: e.created } : {}),
      ...(e.created !== undefined && e.createdFile !== undefined ? { createdFile: e.createdFile } : {}),
      ...(e.removed !== undefined ? { removed: e.removed } : {}),
    };
  }
}

/**
 * Checks an untrusted run state (a submit option): a plain object with `calls` (counts by
 * key), `granted`, `created` and `createdFiles` (lists of strings; a `createdFiles` entry
 * is `<identity> <target>`) and `dropped` (a count). A copy, or a problem sentence. Never throws.
 */
export function readRunHistory(raw: unknown): RunHistory | string {
  const shape =
    'history must be { calls?: { [key]: count }, granted?: string[], created?: string[], createdFiles?: string[] ("<identity> <target>"), dropped?: count }';
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || types.isProxy(raw)) return shape;
    const { calls, granted, created, createdFiles, dropped } = raw as Record<string, unknown>;
    const count = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
    const strings = (l: unknown): l is string[] => Array.isArray(l) && !types.isProxy(l) && l.every((s) => typeof s === 'string');
    if (
      calls !== undefined &&
      (typeof calls !== 'object' || calls === null || Array.isArray(calls) || types.isProxy(calls) || !Object.values(calls).every(count))
    )
      return shape;
    if ((granted !== undefined && !strings(granted)) || (created !== undefined && !strings(created)) || (dropped !== undefined && !count(dropped)))
      return shape;
    if (createdFiles !== undefined && !(strings(createdFiles) && createdFiles.every((e) => e.indexOf(' ') > 0))) return shape;
    return {
      ...(calls !== undefined ? { calls: { ...(calls as Record<string, number>) } } : {}),
      ...(granted !== undefined ? { granted: [...granted] } : {}),
      ...(created !== undefined ? { created: [...created] } : {}),
      ...(createdFiles !== undefined ? { createdFiles: [...createdFiles] } : {}),
      ...(dropped !== undefined ? { dropped: dropped as number } : {}),
    };
  } catch {
    return shape;
  }
}

export type { HistoryEffects, RunHistory };
