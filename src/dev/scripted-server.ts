/**
 * A scripted, OpenAI-compatible chat-completions server on loopback: real HTTP for the
 * real `openai` client, answers from a script. Used by the tests and by the demo when no
 * model endpoint is configured. When its script runs out it fails loudly: it answers
 * HTTP 400 (a non-retryable model failure, so the run fails with the message) and
 * {@link ScriptedModelServer.assertDone} throws.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tool call the script makes: a function call (`arguments` is an object, JSON-encoded for
 * you, or raw text), or `wire`, a call exactly as the server sends it (another type than
 * `function`, e.g. `{ id, type: 'custom', custom: { name, input } }`).
 */
export type ScriptedToolCall =
  { readonly name: string; readonly arguments: unknown; readonly id?: string } | { readonly wire: Readonly<Record<string, unknown>> };

/** One scripted answer: a reply, or an HTTP error. */
export type ScriptStep =
  | {
      readonly reply: { readonly content?: string; readonly toolCalls?: readonly ScriptedToolCall[] };
      readonly usage?: { readonly prompt: number; readonly completion: number };
    }
  | { readonly error: { readonly status: number; readonly message?: string; readonly headers?: Readonly<Record<string, string>> } };

/** A request as the server received it (the OpenAI wire body). */
export interface ReceivedRequest {
  readonly model: string;
  readonly messages: ReadonlyArray<{ role: string; content?: string | null; tool_call_id?: string; tool_calls?: unknown[] }>;
  readonly tools?: ReadonlyArray<{ function: { name: string } }>;
}

/**
 * A fixed list of steps, or a function of the request (return undefined when out of
 * script). A function may return a promise, e.g. to hold an answer until a test opens a gate.
 */
export type Script = readonly ScriptStep[] | ((request: ReceivedRequest, index: number) => ScriptStep | undefined | Promise<ScriptStep | undefined>);

/** The running server. */
export class ScriptedModelServer {
  /** Every request received, in order. */
  readonly requests: ReceivedRequest[] = [];
  /** Requests that arrived after the script ran out. */
  exhaustedCalls = 0;
  private constructor(
    private readonly server: http.Server,
    private readonly script: Script,
  ) {}

  /** Starts the server on 127.0.0.1 and a free port. */
  static async start(script: Script): Promise<ScriptedModelServer> {
    const server = http.createServer();
    const self = new ScriptedModelServer(server, script);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void self.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  /** Base URL for the `openai` client, e.g. `http://127.0.0.1:41234/v1`. */
  get baseURL(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Throws unless every step was used and nothing asked beyond the script. */
  assertDone(): void {
    if (this.exhaustedCalls > 0) throw new Error(`scripted model: ${this.exhaustedCalls} request(s) arrived after the script ran out`);
    if (Array.isArray(this.script) && this.requests.length < this.script.length) {
      throw new Error(`scripted model: only ${this.requests.length} of ${this.script.length} scripted steps were used`);
    }
  }

  /** Stops the server. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      return send(res, 404, { error: { message: `scripted model: no route ${req.method} ${req.url}`, type: 'not_found' } });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedRequest;
    const index = this.requests.length;
    this.requests.push(body);
    const step = typeof this.script === 'function' ? await this.script(body, index) : this.script[index];
    if (res.destroyed) return;
    if (!step) {
      this.exhaustedCalls++;
      const message = `scripted model: script exhausted — request #${index + 1} has no scripted answer`;
      process.stderr.write(`${message}\n`);
      return send(res, 400, { error: { message, type: 'script_exhausted' } });
    }
    if ('error' in step) {
      return send(
        res,
        step.error.status,
        { error: { message: step.error.message ?? `scripted error ${step.error.status}`, type: 'scripted' } },
        step.error.headers,
      );
    }
    const toolCalls = (step.reply.toolCalls ?? []).map((call, i) =>
      'wire' in call
        ? call.wire
        : {
            id: call.id ?? `call_${index}_${i}`,
            type: 'function',
            function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
          },
    );
    const prompt = step.usage?.prompt ?? 10;
    const completion = step.usage?.completion ?? 5;
    send(res, 200, {
      id: `chatcmpl-${index}`,
      object: 'chat.completion',
      created: 0,
      model: body.model,
      choices: [
        {
          index: 0,
          finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
          message: { role: 'assistant', content: step.reply.content ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        },
      ],
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    });
  }
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
