import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRecordId, recordIdFor } from '../../src/reversible/record-id';

describe('recordIdFor', () => {
  test('recordIdFor: "a" → the FNV-1a 128 reference value', () => {
    assert.equal(recordIdFor('a'), 'd228cb696f1a8caf78912b704e4a8964');
  });

  test('recordIdFor: same key → same id; neighbouring keys → different ids', () => {
    const ids = ['wf/run/1', 'wf/run/2', 'wf/run/10', 'wf/run/1 ', 'Wf/run/1'].map(recordIdFor);
    assert.equal(recordIdFor('wf/run/1'), ids[0]);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every(isRecordId));
  });

  test('recordIdFor: non-ASCII key → hashed as UTF-8, a valid id', () => {
    assert.ok(isRecordId(recordIdFor('lauf/ü/😀')));
    assert.notEqual(recordIdFor('ü'), recordIdFor('u'));
  });

  test('recordIdFor: empty, too long or non-string key → Reversible.InvalidKey', () => {
    assert.throws(() => recordIdFor(''), { code: 'Reversible.InvalidKey' });
    assert.throws(() => recordIdFor('k'.repeat(257)), { code: 'Reversible.InvalidKey' });
    assert.throws(() => recordIdFor(42 as unknown as string), { code: 'Reversible.InvalidKey' });
  });
});
