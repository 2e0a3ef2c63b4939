#!/usr/bin/env node
// Compiles native/fs-openat2.c into dist/native/fs-openat2.node (part of `npm run build`):
// the filesystem provider's one-call open that refuses every link (src/providers/fs-openat2.ts).
// Linux only; a plain C compile against Node-API's headers (the node-api-headers package from
// npm), no node-gyp and no download. Optional: when it cannot be built (no C compiler: as
// root, `apt-get install gcc libc6-dev`) this says so and the provider uses its older ways
// instead (the short way or the walk) — as safe, slower; `npm test` then fails the addon's
// tests. CC overrides the compiler.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'native', 'fs-openat2.c');
const out = path.join(root, 'dist', 'native', 'fs-openat2.node');

function main() {
  if (process.platform !== 'linux') return;
  let include;
  try {
    include = require('node-api-headers').include_dir;
  } catch (err) {
    // A production install without devDependencies: nothing to compile with.
    process.stderr.write(`build-native: node-api-headers is not installed (${err.message.split('\n')[0]}); the filesystem provider uses its older ways.\n`);
    fs.rmSync(out, { force: true });
    return;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // Never leave an earlier build in place: what loads is what this source compiled to, or nothing.
  fs.rmSync(out, { force: true });
  const cc = process.env.CC || 'cc';
  const temp = `${out}.${process.pid}.tmp`;
  const args = ['-O2', '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', '-DNODE_GYP_MODULE_NAME=fs_openat2', '-I', include, '-o', temp, source];
  const run = spawnSync(cc, args, { encoding: 'utf8' });
  if (run.error !== undefined || run.status !== 0) {
    fs.rmSync(temp, { force: true });
    const why = run.error !== undefined ? run.error.message : (run.stderr || `exit ${run.status}`).trim();
    process.stderr.write(
      `build-native: could not compile ${path.relative(root, source)} with ${cc} (${why}).\n` +
        "build-native: the filesystem provider uses its older ways instead (the short way or the walk: as safe, slower), and npm test fails the addon's tests. To build it: install a C compiler (as root: apt-get install gcc libc6-dev), then npm run build.\n",
    );
    return;
  }
  fs.renameSync(temp, out);
}

main();
