/**
 * History bytes per tool call (issue 22, item "lean history"): what one policy-checked tool
 * call of `agentRun` adds to the workflow history, plaintext and encrypted, and how much of it
 * is the run policy (sent again in every `executeAction` input) and the transcript (sent
 * again in every `callModel` input).
 *
 * Runs `agentRun` with 2 and with 20 `write_file` calls (256-byte contents, a ~1 KB run
 * policy) and takes the difference, so the fixed start/end cost cancels out. Bytes are the
 * protobuf size of the history as the server stores it; the "exported" row is the JSON that
 * `temporal workflow show -o json` writes for the 20-call run, divided by 20.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index';
import { AesGcmCodec } from '../src/codec/aes-gcm-codec';
import { CODEC_FAILURE_CONVERTER_PATH, codecDataConverter } from '../src/codec/data-converter';
import { decodeHistory } from '../src/codec/decode-history';
import { newKeyLine, parseKeyRing } from '../src/codec/key-ring';
import { startDevServer, type DevServer } from '../src/dev/dev-server';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../src/worker/search-attributes';
import { Kernel } from '../src/kernel/kernel';
import { createChat } from '../src/model/chat';
import { ScriptedModelServer, type Script } from '../src/dev/scripted-server';
import { FilesystemProvider } from '../src/providers/filesystem';
import type { BenchRow } from './types';

/** This bench needs a Temporal server (the runner shares one through TEMPORAL_BENCH_ADDRESS). */
export const needsTemporal = true;

const FEW = 2;
const MANY = 20;
const CEILING = 'version: 1\ncapabilities:\n  - { id: write-output, action: fs.write, resource: "/workspace/output/**" }\n';
/** A run policy of a realistic size (~1 KB): the ceiling's rule plus narrowing denials. */
const RUN_POLICY = `${CEILING}deny:\n${Array.from({ length: 12 }, (_, i) => `  - { id: no-secret-${i}, action: fs.write, resource: "/workspace/output/private-${i}/**" }\n`).join('')}`;
const WRITE_TOOL = {
  name: 'write_file',
  description: 'Write a file.',
  action: 'fs.write',
  targetFrom: 'path',
  parameters: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] },
};

const script: Script = (request) => {
  const done = request.messages.filter((m) => m.role === 'tool').length;
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const steps = Number(/n=(\d+)/.exec(prompt)?.[1] ?? 0);
  return done < steps
    ? {
        reply: {
          toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/${prompt.replace(/\W/g, '')}/${done}.txt`, content: 'x'.repeat(256) } }],
        },
      }
    : { reply: { content: 'done' } };
};

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
const bytes = (h: History): number => temporal.api.history.v1.History.encode(h).finish().length;
const exportedBytes = (h: History): number => Buffer.byteLength(historyToJSON(h));
const payloadBytes = (p: temporal.api.common.v1.IPayloads | null | undefined): number => (p?.payloads ?? []).reduce((n, x) => n + (x.data?.length ?? 0), 0);

/** Bytes of activity inputs by type, in a decoded history. */
function inputBytes(h: History, type: string): number {
  return (h.events ?? []).reduce(
    (n, e) => (e.activityTaskScheduledEventAttributes?.activityType?.name === type ? n + payloadBytes(e.activityTaskScheduledEventAttributes.input) : n),
    0,
  );
}

/** How often the run policy's text appears in a decoded history's inputs (the run's start input and activity inputs). */
function policyCopies(h: History): number {
  let n = 0;
  for (const e of h.events ?? []) {
    const input = e.activityTaskScheduledEventAttributes?.input ?? e.workflowExecutionStartedEventAttributes?.input;
    for (const p of input?.payloads ?? [])
      n +=
        Buffer.from(p.data ?? [])
          .toString('utf8')
          .split(JSON.stringify(RUN_POLICY).slice(1, -1)).length - 1;
  }
  return n;
}

/** The rows. */
export async function run(): Promise<BenchRow[]> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-bench-history-')));
  const ws = path.join(root, 'ws');
  fs.mkdirSync(path.join(ws, 'output'), { recursive: true });
  fs.writeFileSync(path.join(root, 'policy.yaml'), CEILING);
  let server: DevServer | undefined;
  const address = process.env['TEMPORAL_BENCH_ADDRESS'] ?? (server = await startDevServer({ searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES })).address;
  const kernel = new Kernel({
    policy: path.join(root, 'policy.yaml'),
    logPath: path.join(root, 'kernel.log'),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
  });
  const model = await ScriptedModelServer.start(script);
  const keys = parseKeyRing(newKeyLine('bench'), 'bench');
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  const plainClient = new Client({ connection });
  const codecClient = new Client({ connection, dataConverter: codecDataConverter(keys) });
  const workflowsPath = path.join(__dirname, '..', 'src', 'workflows', 'index.js');
  const logger = new DefaultLogger('ERROR');
  const queue = `bench-history-${process.pid}-${Date.now()}`;
  const activities = createActivities({ kernel, chat: createChat({ baseURL: model.baseURL, apiKey: 'bench', model: 'scripted' }), model: 'scripted' });
  const plainWorker = await Worker.create({
    connection: native,
    taskQueue: `${queue}-plain`,
    activities,
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger }),
  });
  const codecWorker = await Worker.create({
    connection: native,
    taskQueue: `${queue}-codec`,
    activities,
    dataConverter: codecDataConverter(keys),
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger, failureConverterPath: CODEC_FAILURE_CONVERTER_PATH }),
  });
  const runs: Record<string, History> = {};
  try {
    await plainWorker.runUntil(
      codecWorker.runUntil(async () => {
        for (const [kind, client] of [
          ['plain', plainClient],
          ['codec', codecClient],
        ] as const) {
          for (const n of [FEW, MANY]) {
            const handle = await client.workflow.start('agentRun', {
              taskQueue: `${queue}-${kind}`,
              workflowId: `${queue}-${kind}-${n}`,
              args: [{ prompt: `${kind} n=${n}`, tools: [WRITE_TOOL], policy: RUN_POLICY, maxTurns: n + 3 }],
            });
            await handle.result();
            runs[`${kind}-${n}`] = await handle.fetchHistory();
          }
        }
      }),
    );
  } finally {
    await model.close();
    await kernel.close();
    await native.close();
    await connection.close();
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  const perCall = (kind: string): number => (bytes(runs[`${kind}-${MANY}`]!) - bytes(runs[`${kind}-${FEW}`]!)) / (MANY - FEW);
  const plainMany = runs[`plain-${MANY}`]!;
  const [codecPerCall, plainPerCall, codecManyBytes] = [perCall('codec'), perCall('plain'), bytes(runs[`codec-${MANY}`]!)]; // before decoding (in place)
  const codecExported = exportedBytes(runs[`codec-${MANY}`]!);
  const decodedCodecMany = await decodeHistory(runs[`codec-${MANY}`]!, new AesGcmCodec(keys));
  const copies = policyCopies(plainMany);
  const policyLen = Buffer.byteLength(JSON.stringify(RUN_POLICY)) - 2;
  const note = `${FEW} vs ${MANY} write_file calls (256 B each), run policy ${policyLen} B`;
  return [
    { name: 'history bytes per tool call: encrypted vs plaintext', ours: Math.round(codecPerCall), baseline: Math.round(plainPerCall), unit: 'B/call', note },
    {
      name: `exported history (JSON) of a ${MANY}-call run / ${MANY}: encrypted vs plaintext`,
      ours: Math.round(codecExported / MANY),
      baseline: Math.round(exportedBytes(plainMany) / MANY),
      unit: 'B/call',
      note: 'what `temporal workflow show -o json` writes, per tool call',
    },
    {
      name: `run policy bytes in history per tool call (${copies} copies in ${MANY} calls) vs the policy once`,
      ours: Math.round((copies * policyLen) / MANY),
      baseline: Math.round(policyLen / MANY),
      unit: 'B/call',
      note: 'copies counted in the start input and every activity input',
    },
    {
      name: `callModel input bytes per call (transcript re-sent each turn) vs executeAction input bytes per call`,
      ours: Math.round(inputBytes(plainMany, 'callModel') / (MANY + 1)),
      baseline: Math.round(inputBytes(plainMany, 'executeAction') / MANY),
      unit: 'B/call',
      note: `${MANY} calls; the transcript grows each turn`,
    },
    {
      name: `whole history, ${MANY} calls: encrypted vs plaintext`,
      ours: codecManyBytes,
      baseline: bytes(plainMany),
      unit: 'B',
      note: `decoded encrypted history has ${policyCopies(decodedCodecMany)} policy copies too`,
    },
  ];
}

if (require.main === module) {
  void run().then((rows) => console.table(rows));
}
