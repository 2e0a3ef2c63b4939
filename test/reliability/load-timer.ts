/**
 * Times every tool call of the load runs at the scripted model: from the model's reply with
 * the call to the request carrying its result (decide, execute, and the workflow tasks in
 * between). Shared by test/reliability/load.test.ts and bench/load.ts.
 */
import type { Script } from '../../src/dev/scripted-server';

/** Per-call latencies (ms), measured at the model server. */
export interface CallTimer {
  readonly script: Script;
  readonly latencies: number[];
}

/** Wraps `inner` (a script of runs with `calls` tool calls each) to time every tool call of every run. */
export function timedScript(inner: Script, calls: number): CallTimer {
  const issued = new Map<string, number>();
  const latencies: number[] = [];
  const script: Script = (request, index) => {
    const now = performance.now();
    const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const done = request.messages.filter((m) => m.role === 'tool').length;
    const sent = issued.get(`${prompt}#${done - 1}`);
    if (sent !== undefined) latencies.push(now - sent);
    if (done < calls) issued.set(`${prompt}#${done}`, now);
    return typeof inner === 'function' ? inner(request, index) : undefined;
  };
  return { script, latencies };
}

/** The q-quantile (0..1) of `xs`, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
}
