/**
 * Errors that quote outside text (a server's words, tool names, a schema's wording, a
 * redirect's Location) give the audit log an `auditMessage` without it (src/providers/foreign-text.ts);
 * the agent keeps reading the text in `message`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpInvalidArgumentsError, McpPinMismatchError, McpProtocolError, McpStartFailedError } from '../../src/providers/mcp/errors';
import { RedirectDeniedError } from '../../src/providers/errors';

const WORDS = 'ECHOED-PARAM /etc/shadow';

describe('errors quoting outside text (foreign-text.ts)', () => {
  test('each keeps the text in its message and only its length and hash in its auditMessage', () => {
    const errors = [
      new McpStartFailedError('srv', WORDS),
      new McpProtocolError('srv/tool', -32603, WORDS),
      new McpPinMismatchError('srv', 'a', 'b', [WORDS]),
      new McpInvalidArgumentsError('srv/tool', WORDS),
      new RedirectDeniedError(`http://x.example/${WORDS}`, WORDS),
    ];
    for (const err of errors) {
      assert.match(err.message, /ECHOED-PARAM/, err.name);
      assert.doesNotMatch(err.auditMessage ?? '', /ECHOED-PARAM|shadow|x\.example/, err.name);
      assert.match(err.auditMessage ?? '', /withheld from the log \(\d+ characters, sha256 [0-9a-f]{16}\)/, err.name);
    }
    // The same text gives the same hash: a record can be matched with the text the agent saw.
    assert.equal(new McpStartFailedError('srv', WORDS).auditMessage, new McpStartFailedError('srv', WORDS).auditMessage);
  });
});
