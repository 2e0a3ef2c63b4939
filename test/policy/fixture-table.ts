/** Shared reading of the policy fixtures: every invalid fixture states its problems in a `# expect:` first line. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture } from '../helpers/paths';

/** One fixture file with its text and (for invalid ones) the expected `CODE line:col` list. */
export interface PolicyFixture {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly expected: readonly string[];
}

/** Reads every `.yaml` fixture of `test/fixtures/policies/<folder>`. */
export function policyFixtures(folder: 'valid' | 'invalid' | 'cases'): PolicyFixture[] {
  const dir = fixture('policies', folder);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      const header = /^# expect: (.*)$/m.exec(text.split('\n')[0] ?? '');
      const expected = header?.[1] ? header[1].split(';').map((s) => s.trim()) : [];
      return { name, file, text, expected };
    });
}
