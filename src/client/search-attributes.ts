/**
 * Custom search attributes agent runs set, so operators can find runs from the Temporal
 * CLI and the Web UI (e.g. `AgentOsPendingApprovals > 0`). The dev server registers them
 * at start; on a cluster, register them once with
 * `temporal operator search-attribute create --name AgentOsPolicyHash --type Keyword` (etc.).
 */
import type { SearchAttributeType } from './dev-server';

/** Name → type of every search attribute this project uses. */
export const DEV_SERVER_SEARCH_ATTRIBUTES: Readonly<Record<string, SearchAttributeType>> = {
  AgentOsPolicyHash: 'Keyword',
  AgentOsModel: 'Keyword',
  AgentOsPendingApprovals: 'Int',
};
