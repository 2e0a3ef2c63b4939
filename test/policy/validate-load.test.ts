import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyFileError, PolicyValidationError } from '../../src/policy/errors';
import { loadPolicyFile, loadPolicyText } from '../../src/policy/load';
import { fixture } from '../helpers/paths';

describe('loadPolicyText / loadPolicyFile', () => {
  test('loadPolicyText: valid text → the document', () => {
    const doc = loadPolicyText('capabilities:\n  - action: fs.read\n    resource: /w/**\n', 'inline.yaml');
    assert.equal(doc.capabilities[0]?.id, 'capabilities[0]');
  });

  test('loadPolicyText: any problem → throws Policy.Invalid carrying every problem, message lists them all', () => {
    const text = "capabilities:\n  - action: fs.wirte\n    resource: ''\n";
    assert.throws(
      () => loadPolicyText(text, 'bad.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof PolicyValidationError);
        assert.equal(err.code, 'Policy.Invalid');
        assert.deepEqual(
          err.problems.map((p) => p.code),
          ['E_UNKNOWN_ACTION', 'E_EMPTY_GLOB'],
        );
        assert.match(err.message, /bad\.yaml:2:13: E_UNKNOWN_ACTION/);
        assert.match(err.message, /bad\.yaml:3:15: E_EMPTY_GLOB/);
        return true;
      },
    );
  });

  test('loadPolicyFile: the seed quickstart fixture → loads unchanged', () => {
    const doc = loadPolicyFile(fixture('policies', 'valid', 'seed-quickstart.yaml'));
    assert.equal(doc.capabilities.length, 4);
  });

  test('loadPolicyFile: missing file → throws Policy.FileUnreadable naming the path and the fix', () => {
    const missing = fixture('policies', 'no-such-policy.yaml');
    assert.throws(
      () => loadPolicyFile(missing),
      (err: unknown) => {
        assert.ok(err instanceof PolicyFileError);
        assert.equal(err.code, 'Policy.FileUnreadable');
        assert.ok(err.message.includes(missing));
        assert.match(err.message, /check the path/);
        return true;
      },
    );
  });

  test('loadPolicyFile: a directory → throws Policy.FileUnreadable', () => {
    assert.throws(() => loadPolicyFile(fixture('policies')), { code: 'Policy.FileUnreadable' });
  });
});
