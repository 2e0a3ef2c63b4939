/**
 * Where the model lives: any OpenAI-compatible endpoint (OpenAI, a LiteLLM proxy, Ollama,
 * vLLM). Read from the worker's environment, never from a run's input.
 */

/** Model endpoint configuration of a worker. */
export interface ModelConfig {
  /** e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama), a LiteLLM proxy. */
  readonly baseURL?: string;
  /** API key; local servers accept any non-empty string. */
  readonly apiKey?: string;
  /** Default model name, e.g. `gpt-4o`. */
  readonly model: string;
  /** Per-request timeout in milliseconds (default 120 s). */
  readonly timeoutMs?: number;
  /** Which setting named `baseURL`, for error messages (default `OPENAI_BASE_URL`). */
  readonly baseURLSetting?: string;
}

/**
 * Reads `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `AGENT_OS_MODEL` (default `gpt-4o`).
 * @example
 * const model = modelConfigFromEnv(); // { baseURL: 'http://localhost:4000/v1', model: 'gpt-4o', ... }
 */
export function modelConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ModelConfig {
  const baseURL = env['OPENAI_BASE_URL'];
  const apiKey = env['OPENAI_API_KEY'];
  return {
    model: env['AGENT_OS_MODEL'] || 'gpt-4o',
    ...(baseURL ? { baseURL } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

/** True when the environment names a model endpoint or key (the demo uses a scripted model otherwise). */
export function hasModelEndpoint(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env['OPENAI_BASE_URL'] || env['OPENAI_API_KEY']);
}
