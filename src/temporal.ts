/**
 * `agent-os-kernel/temporal`: running agents on Temporal from your own code — workers,
 * activities, the model client, connections and a client for runs. Loads the Temporal SDK
 * (the package root does not).
 * @example
 * import { createAgentWorker, createChat, connectTemporal, temporalSettings } from 'agent-os-kernel/temporal';
 * const { native } = await connectTemporal(temporalSettings());
 * const worker = await createAgentWorker({ connection: native, taskQueue: 'agent-os', kernel, chat: createChat(modelConfigFromEnv()), model: 'gpt-4o' });
 */

// Workers: the one way to wire an agent worker, and a host built from files.
export { createAgentWorker, WORKFLOWS_PATH, type AgentWorker, type AgentWorkerOptions } from './worker/worker';
export { AGENT_WORKER_TUNING } from './worker/tuning';
export { buildWorkerHost, parseMounts, type WorkerHost, type WorkerHostOptions } from './worker/worker-host';
export { ensureSearchAttributes } from './worker/register-search-attributes';
export { DEV_SERVER_SEARCH_ATTRIBUTES as SEARCH_ATTRIBUTES, type SearchAttributeType } from './worker/search-attributes';
export { SearchAttributesError } from './worker/errors';

// Activities: register them next to your own (names: callModel, workerInfo, decideAction, executeAction, undoAction).
export { createActivities, DEFAULT_WORKER_LIMITS, type ActivityDeps, type AgentActivities, type WorkerLimits, type WorkerInfo } from './activities/index';
export { layerUndoer } from './activities/reversible';
export type { Executor } from './activities/tool';
export type { Undoer, UndoOutcome } from './activities/undo';

// The model: any OpenAI-compatible endpoint.
export { createChat, type Chat } from './model/chat';
export { modelConfigFromEnv, hasModelEndpoint, type ModelConfig } from './model/config';
export { ModelFailure } from './model/errors';
export type { ChatMessage, ModelReply, ModelRequest, ModelTool, ToolCall } from './model/types';

// Clients: connections (Temporal's env-config: TEMPORAL_ADDRESS, TEMPORAL_API_KEY, TLS paths) and runs.
export {
  temporalSettings,
  connectTemporal,
  connectClient,
  type TemporalSettings,
  type TemporalConnections,
  type ConnectionOverrides,
} from './client/connection';
export { executeAgentRun, type ExecuteAgentRunOptions } from './client/agent-run-client';
export { AgentRunFailedError, TemporalUnreachableError, type FailedRunState } from './client/errors';

// The run's audit, exported from its (decoded) history: continue-as-new chain and later rollbacks.
export { exportRunAudit, type RunAudit } from './client/run-export';

// Payload encryption: the codec, its keys, the codec server (docs/threat-model.md).
export {
  AesGcmCodec,
  codecDataConverter,
  CODEC_FAILURE_CONVERTER_PATH,
  keyRingFromEnv,
  parseKeyRing,
  readKeyRingFile,
  newKeyLine,
  type KeyRing,
  decodeHistory,
  ownerFromStart,
  type HistoryOwner,
  fetchDecodedHistory,
  startCodecServer,
  type CodecServer,
  type CodecServerOptions,
  CodecError,
  CodecErrorCode,
  CodecKeyConfigError,
  CodecMalformedError,
  CodecMisplacedError,
  CodecNoKeysError,
  CodecPlaintextError,
  CodecTamperedError,
  CodecUnboundError,
  CodecUnknownKeyError,
} from './codec/index';
