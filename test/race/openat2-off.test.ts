/**
 * The race tier again with the filesystem's openat2 addon off (`AGENT_OS_FS_OPENAT2=off`):
 * what a worker without a C compiler, on a kernel before 5.6 or under a seccomp filter that
 * refuses `openat2` runs — the short way (test/race/fs-short-way-race.test.ts says what it
 * attacks) and the walk. With the addon on, those ways only run after an `openat2` failure.
 */
import { test } from 'node:test';
import path from 'node:path';
import { assertSuitesPassWithoutOpenat2 } from '../helpers/openat2-off';

const SUITES = ['fs-race', 'fs-short-way-race', 'reversible-race', 'special-bits-race'];

test('with AGENT_OS_FS_OPENAT2=off the race suites hold: the short way and the walk under a swapping process', () => {
  assertSuitesPassWithoutOpenat2(
    SUITES.map((name) => path.join(__dirname, `${name}.test.js`)),
    10,
  );
});
