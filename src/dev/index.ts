/**
 * `agent-os-kernel/dev`: developer tooling — an embedded Temporal dev server (watched, so it
 * never outlives its parent), the scripted OpenAI-compatible model for tests and offline
 * runs, and the demo stack. Not for production.
 * @example
 * import { startDevServer, ScriptedModelServer } from 'agent-os-kernel/dev';
 * const server = await startDevServer();
 * const model = await ScriptedModelServer.start([{ reply: { content: 'hello' } }]);
 */
export { startDevServer, type DevServer, type DevServerOptions } from './dev-server';
export { ScriptedModelServer, type Script, type ScriptStep, type ScriptedToolCall, type ReceivedRequest } from './scripted-server';
export { startDemoStack, type DemoStack, type DemoStackOptions } from './demo-stack';
export { findTemporalCli } from './temporal-cli';
export { freePort } from './free-port';
export { TemporalCliNotFoundError, DevServerStartError } from './errors';
