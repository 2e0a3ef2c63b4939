/**
 * The MCP session (and what only a session uses: the stdio and HTTP transports, the launcher,
 * the egress proxy of sandboxed servers, node:child_process), loaded on the first server an
 * McpProvider connects to rather than on import, so importing the package root does not pay
 * for it.
 */
import { lazy } from '../../lazy';

/** The session module (required once, then cached). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const sessionModule = lazy(() => require('./session') as typeof import('./session'));
