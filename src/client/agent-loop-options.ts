/**
 * `new AgentLoop(options)` checks its options' keys: one it does not know is refused, not
 * ignored. A misspelt `policy` (`runPolicy`, `polciy`) ran the agent under the worker's whole
 * ceiling instead of the run's own narrower policy, silently (red team 15). The values are
 * checked where they are used (the run's input by the workflow, the kernel by its own checks).
 */
import { AgentLoopOptionsError } from './errors';

const COMMON = ['model', 'instructions', 'tools', 'policy', 'maxTurns'];
const LOCAL: ReadonlySet<string> = new Set([...COMMON, 'kernel', 'executor', 'undoer', 'chat', 'modelConfig', 'workflowBundle', 'idleShutdownMs', 'mcpTools']);
const REMOTE: ReadonlySet<string> = new Set([...COMMON, 'client', 'taskQueue', 'workspaceQueue']);

/**
 * Checks the keys of AgentLoop's options (local form with `kernel`, remote form with `client`).
 * @throws AgentLoopOptionsError for options that are not an object, name both or neither form, or hold an unknown key.
 */
export function checkAgentLoopOptions(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new AgentLoopOptionsError('options', 'must be an object { kernel | client, tools, … }');
  const options = raw as Record<string, unknown>;
  const local = options['kernel'] !== undefined;
  const remote = options['client'] !== undefined;
  if (local === remote)
    throw new AgentLoopOptionsError(local ? 'client' : 'kernel', 'give either a kernel (local form) or a client and taskQueue (remote form)');
  if (!Array.isArray(options['tools'])) throw new AgentLoopOptionsError('tools', 'must be an array of tool definitions');
  if (options['policy'] !== undefined && typeof options['policy'] !== 'string') throw new AgentLoopOptionsError('policy', "must be the run policy's YAML text");
  const known = local ? LOCAL : REMOTE;
  for (const key of Object.keys(options)) {
    if (!known.has(key) && options[key] !== undefined) {
      throw new AgentLoopOptionsError(key.slice(0, 64), `is not an option of the ${local ? 'local' : 'remote'} form (known: ${[...known].join(', ')})`);
    }
  }
}
