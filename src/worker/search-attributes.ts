/**
 * Custom search attributes agent runs set, so operators can find runs from the Temporal
 * CLI and the Web UI (e.g. `AgentOsPendingApprovals > 0`). The dev server registers them
 * at start; on a cluster, register them once with
 * `temporal operator search-attribute create --name AgentOsPolicyHash --type Keyword` (etc.).
 */
/** Search attribute types a server can register. */
export type SearchAttributeType = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

/** Name → type of every search attribute this project uses. */
export const DEV_SERVER_SEARCH_ATTRIBUTES: Readonly<Record<string, SearchAttributeType>> = {
  AgentOsPolicyHash: 'Keyword',
  AgentOsModel: 'Keyword',
  AgentOsPendingApprovals: 'Int',
};
