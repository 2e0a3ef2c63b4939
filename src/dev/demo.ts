/**
 * The demo's story, as data: a policy, two file tools, a workspace and a scripted model
 * that reads, writes, tries one write the policy denies, and then fails — so the run
 * fails and its applied write is undone by saga compensation. `agent-os dev` and the
 * browser test run exactly this.
 */
import type { ReceivedRequest, Script, ScriptStep } from './scripted-server';
import type { ToolDefSpec } from '../workflows/tool-defs';
import type { AgentRunInput } from '../workflows/types';
import { FILE_TOOLS } from '../client/file-tools';

/** Where the demo's write lands (allowed by `write-output`, undone when the run fails). */
export const DEMO_REPORT_TARGET = '/workspace/output/report.md';

/** The write the policy denies (no capability covers it; nothing outside /workspace is mounted). */
export const DEMO_DENIED_TARGET = '/etc/passwd';

/** The status text of the scripted model failure that ends the demo run. */
export const DEMO_MODEL_FAILURE = 'demo: the model fails on purpose, so the run fails and its write is undone';

/** The demo's ceiling policy: read the workspace, write its output folder, nothing else. */
export const DEMO_POLICY = `# agent-os demo policy: default deny; two capabilities.
version: 1
capabilities:
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
  - id: write-output
    action: fs.write
    resource: /workspace/output/**
`;

/** Files the demo workspace starts with (relative to the folder mounted at /workspace). */
export const DEMO_FILES: Readonly<Record<string, string>> = {
  'data.csv': 'name,score\nada,42\ngrace,37\nalan,40\n',
};

/** The demo's tools: `read_file` (fs.read) and `write_file` (fs.write). */
const DEMO_TOOLS: readonly ToolDefSpec[] = FILE_TOOLS;

/**
 * The demo run's input.
 * @example
 * await client.workflow.start(agentRun, { taskQueue, workflowId, args: [demoRunInput()] });
 */
export function demoRunInput(): AgentRunInput {
  return {
    prompt: 'Summarise /workspace/data.csv into /workspace/output/report.md, then add a demo user to /etc/passwd.',
    instructions: 'You are a careful data assistant. Use the tools; never guess file contents.',
    tools: DEMO_TOOLS,
    maxTurns: 6,
  };
}

/**
 * The scripted model of the demo. Each answer depends on how many tool results the
 * request already carries (not on how many requests came before), so a retried model
 * call gets the same answer: read → write the report → write /etc/passwd (denied) →
 * HTTP 400, a non-retryable model failure that fails the run.
 */
export function demoScript(): Script {
  return (request: ReceivedRequest): ScriptStep => {
    const results = request.messages.filter((m) => m.role === 'tool');
    switch (results.length) {
      case 0:
        return { reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] } };
      case 1:
        return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: DEMO_REPORT_TARGET, content: report(results[0]?.content) } }] } };
      case 2:
        return { reply: { toolCalls: [{ name: 'write_file', arguments: { path: DEMO_DENIED_TARGET, content: 'demo:x:0:0::/root:/bin/sh\n' } }] } };
      default:
        return { error: { status: 400, message: DEMO_MODEL_FAILURE } };
    }
  };
}

/** A small report from the read tool result (its `data` is the CSV text). */
function report(toolResult: string | null | undefined): string {
  let csv = '';
  try {
    const parsed = JSON.parse(toolResult ?? '{}') as { data?: unknown };
    if (typeof parsed.data === 'string') csv = parsed.data;
  } catch {
    /* a malformed result gives an empty report */
  }
  const rows = csv.trim().split('\n').slice(1).filter(Boolean);
  return `# Report\n\n${rows.length} rows in data.csv.\n`;
}

/** What the demo run must show, as summaries and statuses of its steps. */
export interface DemoStoryStep {
  readonly summary: string;
  readonly status: string;
}

/**
 * What is missing from a finished demo run (empty when it told the whole story): the read
 * and the report write applied, the /etc/passwd write DENIED, the run failed, and the
 * report write undone by compensation.
 * @example
 * const problems = demoStoryProblems(steps, end.status); // [] when the demo worked
 */
export function demoStoryProblems(steps: readonly DemoStoryStep[], endStatus: string): string[] {
  const expect: Array<[string, (s: DemoStoryStep) => boolean]> = [
    ['the read of /workspace/data.csv is allowed and OK', (s) => s.summary.startsWith('fs.read /workspace/data.csv → allow') && s.status === 'OK'],
    [`the write of ${DEMO_REPORT_TARGET} is allowed and OK`, (s) => s.summary.startsWith(`fs.write ${DEMO_REPORT_TARGET} → allow`) && s.status === 'OK'],
    [`the write of ${DEMO_DENIED_TARGET} is DENIED`, (s) => s.summary.startsWith(`fs.write ${DEMO_DENIED_TARGET} → DENIED`) && s.status === 'DENIED'],
    [`the write of ${DEMO_REPORT_TARGET} is undone`, (s) => s.summary === `undo fs.write ${DEMO_REPORT_TARGET}` && s.status === 'OK'],
  ];
  const problems = expect.filter(([, ok]) => !steps.some(ok)).map(([what]) => `expected: ${what}`);
  if (endStatus !== 'failed') problems.push(`expected: the run fails after the model error (it ended ${endStatus})`);
  return problems;
}
