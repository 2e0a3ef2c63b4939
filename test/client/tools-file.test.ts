import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadToolsFile, loadToolsText } from '../../src/client/tools-file';
import { hasErrorCode } from '../../src/errors';
import { mapToolCall } from '../../src/workflows/tool-defs';
import { repoRoot } from '../helpers/paths';

function problemsOf(text: string, actions?: string[]): string[] {
  try {
    loadToolsText(text, 'tools.yaml', actions ? { actions } : {});
  } catch (err) {
    assert.ok(hasErrorCode(err, 'Client.InvalidToolsFile'), String(err));
    return (err as { problems: Array<{ line: number; col: number; code: string }> }).problems.map((p) => `${p.line}:${p.col} ${p.code}`);
  }
  return [];
}

describe('tools file', () => {
  test('tools file: examples/tools.yaml and deploy/tools.yaml → load, and map a call to an action request', () => {
    for (const file of ['examples/tools.yaml', 'deploy/tools.yaml']) {
      const tools = loadToolsFile(path.join(repoRoot, file), { actions: ['fs.read', 'fs.write', 'fs.list', 'fs.delete'] });
      assert.deepEqual(
        tools.map((t) => [t.name, t.action, t.targetFrom]),
        [
          ['read_file', 'fs.read', 'path'],
          ['list_files', 'fs.list', 'path'],
          ['write_file', 'fs.write', 'path'],
        ],
      );
      const mapped = mapToolCall(tools, { id: 'c1', name: 'write_file', arguments: '{"path":"/workspace/output/a.md","content":"x"}' });
      assert.ok(mapped.ok);
      assert.deepEqual(mapped.request, { action: 'fs.write', target: '/workspace/output/a.md', params: { content: 'x' } });
    }
  });

  test('tools file: JSON text → loads the same as YAML', () => {
    const tools = loadToolsText(
      JSON.stringify({
        tools: [
          {
            name: 'get',
            description: 'GET a user',
            action: 'net.http',
            target_from: 'https://api.example.com/users/{id}',
            parameters: { type: 'object' },
            params: { method: 'GET' },
          },
        ],
      }),
      'tools.json',
    );
    assert.deepEqual(tools, [
      {
        name: 'get',
        description: 'GET a user',
        action: 'net.http',
        targetFrom: 'https://api.example.com/users/{id}',
        parameters: { type: 'object' },
        params: { method: 'GET' },
      },
    ]);
  });

  test('tools file: every problem → reported with line, column and code, nothing loaded', () => {
    const text = [
      'version: 1',
      'tools:',
      '  - name: read file',
      '    description: Read.',
      '    action: fs.reed',
      '    target_from: path',
      '    parameters: { type: object }',
      '  - name: w',
      '    description: Write.',
      '    action: fs.write',
      '    effect: allow',
      '    parameters: { type: nonsense }',
      '  - name: w',
      '    description: again',
      '    action: fs.write',
      '    target_from: path',
      '    parameters: { type: object }',
    ].join('\n');
    const problems = problemsOf(text, ['fs.read', 'fs.write']);
    for (const expected of [
      '3:11 E_INVALID_VALUE',
      '5:13 E_UNKNOWN_ACTION',
      '11:5 E_UNKNOWN_KEY',
      '8:5 E_MISSING_KEY',
      '12:17 E_INVALID_VALUE',
      '13:11 E_DUPLICATE_ID',
    ]) {
      assert.ok(problems.includes(expected), `${expected} in ${problems.join(', ')}`);
    }
  });

  test('tools file: YAML syntax error, missing list, missing file → problems with hints', () => {
    assert.deepEqual(problemsOf('tools: [\n'), ['2:1 E_YAML_SYNTAX']);
    assert.deepEqual(problemsOf('version: 1\n'), ['1:1 E_MISSING_KEY']);
    assert.throws(() => loadToolsFile('/nonexistent/tools.yaml'), /cannot read the tools file: no such file[\s\S]*hint: check the path passed to --tools/);
  });
});
