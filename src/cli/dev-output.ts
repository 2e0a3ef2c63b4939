/**
 * What `agent-os dev` prints: aligned human text by default, or one JSON object per line
 * (`{"event":"step",...}`) with `--json`. Progress goes to stdout; nothing else writes there.
 */
import type { RunEnd, RunStep } from '../client/run-progress';
import { printable } from './printable';

/** The dev session's payload encryption: its codec server (base URL, no secret) and keys. */
export interface DevCodecInfo {
  readonly codecServer: string;
  readonly keysFile: string;
  readonly keyId: string;
}

/** The lines of one `agent-os dev` session. */
export interface DevPrinter {
  starting(): void;
  /** `moved` is true when the wanted port was taken and a free one is used instead; `codec` when payloads are encrypted. */
  server(address: string, uiUrl: string, dbFile: string, moved: boolean, codec?: DevCodecInfo): void;
  /** `model` is the real model's name, or undefined for the scripted demo model. */
  worker(taskQueue: string, workspace: string, model: string | undefined): void;
  run(workflowId: string, url: string): void;
  step(n: number, step: RunStep): void;
  end(end: RunEnd, steps: readonly RunStep[], problems: readonly string[], url: string): void;
  waiting(uiUrl: string): void;
  stopped(): void;
}

/**
 * A printer writing to `write` (default: stdout).
 * @example
 * const out = devPrinter(false); out.step(1, { summary: 'model turn 1', status: 'done' });
 */
export function devPrinter(json: boolean, write: (text: string) => void = (t) => void process.stdout.write(t)): DevPrinter {
  const line = (text: string): void => write(`${text}\n`);
  const emit = (event: string, fields: Record<string, unknown>): void => write(`${JSON.stringify({ event, ...fields })}\n`);
  const label = (name: string, text: string): void => line(`  ${name.padEnd(8)} ${text}`);
  if (json) {
    return {
      starting: () => undefined,
      server: (address, uiUrl, dbFile, moved, codec) => emit('server', { address, uiUrl, dbFile, movedPort: moved, ...(codec ? { codec } : {}) }),
      worker: (taskQueue, workspace, model) => emit('worker', { taskQueue, workspace, model: model ?? 'scripted' }),
      run: (workflowId, url) => emit('run', { workflowId, url }),
      step: (n, step) => emit('step', { n, ...step }),
      end: (end, steps, problems, url) => emit('end', { ...end, steps: steps.length, ok: problems.length === 0, problems, url }),
      waiting: (uiUrl) => emit('waiting', { uiUrl }),
      stopped: () => emit('stopped', {}),
    };
  }
  return {
    starting: () => line('agent-os dev: starting a Temporal dev server with its Web UI…'),
    server: (address, uiUrl, dbFile, moved, codec) => {
      label('server', `${address}   state: ${dbFile}`);
      if (moved) label('', `(the default port was taken; for other commands: export TEMPORAL_ADDRESS=${address})`);
      label('web ui', uiUrl);
      if (codec)
        label(
          'codec',
          `payloads encrypted with key ${codec.keyId} (${codec.keysFile}); the Web UI decodes through ${codec.codecServer}${codec.keysFile.startsWith('AGENT_OS_') ? '' : `; for other commands: export AGENT_OS_CODEC_KEYS_FILE=${codec.keysFile}`}`,
        );
    },
    worker: (taskQueue, workspace, model) => {
      label('model', model ?? 'scripted demo model (set OPENAI_BASE_URL or OPENAI_API_KEY to use a real one)');
      label('worker', `task queue ${taskQueue}; /workspace is ${workspace}`);
    },
    run: (workflowId, url) => {
      line(`agent-os dev: demo run ${workflowId}`);
      label('open', url);
    },
    step: (n, step) => label(`step ${n}`, printable(`${step.summary} … ${step.status}${step.detail ? ` (${step.detail})` : ''}`)),
    end: (end, steps, problems, url) => {
      const undone = steps.filter((s) => s.summary.startsWith('undo ') && s.status === 'OK').length;
      const denied = steps.filter((s) => s.status === 'DENIED').length;
      // The failure quotes the model endpoint's words and the agent's targets: escaped (printable.ts).
      line(printable(`agent-os dev: run ${end.status}${end.detail ? ` (${end.detail})` : ''} — ${steps.length} steps, ${denied} denied, ${undone} undone`));
      for (const problem of problems) label('PROBLEM', printable(problem));
      label('open', url);
    },
    waiting: (uiUrl) => line(`agent-os dev: running — Web UI at ${uiUrl}; press Ctrl-C to stop.`),
    stopped: () => line('agent-os dev: stopped.'),
  };
}
