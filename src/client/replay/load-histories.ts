/**
 * Where `policy replay` gets histories: runs by workflow id (every run of a continue-as-new
 * chain), runs matched by a visibility query, or history JSON files exported with
 * `temporal workflow show -o json`.
 */
import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { AesGcmCodec } from '../../codec/aes-gcm-codec';
import { fetchDecodedHistory } from '../../codec/client-codec';
import { decodeHistory, ownerFromStart } from '../../codec/decode-history';
import { ClientCode } from '../errors';
import { recordedActions, type RecordedRun } from './recorded-actions';

/** Every run of each workflow id (oldest first), or of the runs `query` matches. */
export async function runsFromServer(client: Client, selector: { readonly workflowIds?: readonly string[]; readonly query?: string }): Promise<RecordedRun[]> {
  const queries = [
    ...(selector.workflowIds ?? []).map((id) => `WorkflowId = ${JSON.stringify(id)}`),
    ...(selector.query !== undefined ? [selector.query] : []),
  ];
  const out: RecordedRun[] = [];
  for (const query of queries) {
    const found: Array<{ workflowId: string; runId: string; start: number }> = [];
    for await (const e of client.workflow.list({ query })) found.push({ workflowId: e.workflowId, runId: e.runId, start: e.startTime.getTime() });
    if (found.length === 0) throw Object.assign(new Error(`no run matches ${query}`), { code: ClientCode.ReplayNotFound });
    found.sort((a, b) => a.start - b.start);
    for (const { workflowId, runId } of found) {
      const history = await fetchDecodedHistory(client.workflow.getHandle(workflowId, runId));
      out.push(recordedActions(history, { workflowId, runId }));
    }
  }
  return out;
}

/**
 * A history JSON file as the Temporal CLI or Web UI export it. An encrypted history (payloads
 * `binary/encrypted`, docs/threat-model.md) is decoded with `codec` — the configured keys;
 * without keys (the default codec) plaintext passes and encrypted payloads are refused. Each
 * payload is checked against the workflow the start input is bound to (a file names no owner).
 * @throws an error with the codec's code (`Codec.NoKeys`, `Codec.UnknownKey`, …) naming the
 *   file and the key id, when the file cannot be decoded here; `Replay.BadHistory` when it
 *   cannot be read.
 */
export async function runFromFile(file: string, codec: PayloadCodec = new AesGcmCodec(undefined)): Promise<RecordedRun> {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as { code?: string }).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw Object.assign(new Error(`cannot read history ${file}: ${why}`), { code: ClientCode.ReplayBadHistory });
  }
  const history = historyFromJSON(json);
  try {
    await decodeHistory(history, codec, ownerFromStart(history));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw Object.assign(new Error(`cannot decode history ${file}: ${err instanceof Error ? err.message : String(err)}`), {
      code: typeof code === 'string' ? code : ClientCode.ReplayBadHistory,
    });
  }
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const runId = started?.originalExecutionRunId ?? started?.firstExecutionRunId ?? file;
  return recordedActions(history, { workflowId: file, runId });
}
