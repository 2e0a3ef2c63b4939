/**
 * Ready-made tool definitions for the common case of an agent working on files:
 * `read_file` (fs.read) and `write_file` (fs.write). Pure metadata, like every ToolDef.
 */
import type { ToolDefSpec } from '../workflows/tool-defs';

/** `read_file` → fs.read on `path`. */
export const READ_FILE_TOOL: ToolDefSpec = {
  name: 'read_file',
  description: 'Read a file from the workspace.',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
  action: 'fs.read',
  targetFrom: 'path',
};

/** `write_file` → fs.write of `content` to `path`. */
export const WRITE_FILE_TOOL: ToolDefSpec = {
  name: 'write_file',
  description: 'Write a text file.',
  parameters: {
    type: 'object',
    properties: { path: { type: 'string' }, content: { type: 'string' } },
    required: ['path', 'content'],
    additionalProperties: false,
  },
  action: 'fs.write',
  targetFrom: 'path',
};

/** Both file tools. */
export const FILE_TOOLS: readonly ToolDefSpec[] = [READ_FILE_TOOL, WRITE_FILE_TOOL];
