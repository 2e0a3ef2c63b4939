/**
 * Registers the custom search attributes agent runs set, when the server lacks them. A run
 * that upserts an unregistered attribute fails its workflow tasks, so workers call this at
 * start. Idempotent: existing attributes are left alone; a race with another worker
 * registering the same attribute counts as success.
 */
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import { SearchAttributesError } from './errors';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from './search-attributes';
import type { SearchAttributeType } from './search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const TYPES: Readonly<Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType>> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Adds every attribute of `wanted` the namespace does not have yet.
 * @returns the names it added (empty when all were present).
 * @throws SearchAttributesError when one is missing and cannot be added (e.g. no permission
 *   on Temporal Cloud); the message says how to add it by hand.
 */
export async function ensureSearchAttributes(
  connection: Pick<NativeConnection, 'operatorService'>,
  namespace: string,
  wanted: Readonly<Record<string, SearchAttributeType>> = DEV_SERVER_SEARCH_ATTRIBUTES,
): Promise<string[]> {
  let existing: Record<string, unknown>;
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    existing = { ...listed.customAttributes, ...listed.systemAttributes };
  } catch (cause) {
    throw new SearchAttributesError(namespace, Object.keys(wanted), wanted, { cause });
  }
  const missing = Object.entries(wanted).filter(([name]) => !(name in existing));
  if (missing.length === 0) return [];
  const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const [name, type] of missing) searchAttributes[name] = TYPES[type];
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (cause) {
    if (!/already exists/i.test(String((cause as { details?: unknown }).details ?? (cause as Error).message))) {
      throw new SearchAttributesError(
        namespace,
        missing.map(([n]) => n),
        wanted,
        { cause },
      );
    }
  }
  return missing.map(([name]) => name);
}
