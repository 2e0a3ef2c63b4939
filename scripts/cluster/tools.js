// Binaries of the production topology, built once from the Go module proxy and cached in
// the git-ignored .tools/ folder, keyed by version: the Temporal server and its SQL schema
// tool (go.temporal.io/server) and the standalone Web UI (github.com/temporalio/ui-server).
// The PostgreSQL schemas ship in the server module and are copied next to the binaries.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const versions = require('./versions.json');

const root = path.resolve(__dirname, '..', '..');
const toolsDir = path.join(root, '.tools');

/** Where each tool of this topology lives once built. */
function toolPaths() {
  const serverDir = path.join(toolsDir, `temporal-server-${versions.temporalServer}`);
  const uiDir = path.join(toolsDir, `ui-server-${versions.uiServer}`);
  return {
    server: path.join(serverDir, 'temporal-server'),
    sql: path.join(serverDir, 'temporal-sql-tool'),
    schema: path.join(serverDir, 'schema', 'postgresql', 'v12'),
    ui: path.join(uiDir, 'ui-server'),
  };
}

function goBinary() {
  const go = process.env.GO || 'go';
  try {
    execFileSync(go, ['version'], { stdio: 'ignore' });
    return go;
  } catch {
    throw new Error(
      'cluster: Go is needed once to build the Temporal server from the Go module proxy, and `go` was not found.\n' +
        '  fix: apt-get install golang-go (Go >= 1.24), or set GO=/path/to/go',
    );
  }
}

function goInstall(go, pkg, dest, log) {
  const gobin = fs.mkdtempSync(path.join(toolsDir, '.gobin-'));
  try {
    log(`building ${pkg} (once; several minutes on 2 cores)`);
    execFileSync(go, ['install', pkg], { env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'ignore', 'inherit'] });
    const [built] = fs.readdirSync(gobin);
    if (!built) throw new Error(`cluster: go install ${pkg} produced no binary`);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.renameSync(path.join(gobin, built), dest);
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

function moduleDir(go, module) {
  const out = execFileSync(go, ['mod', 'download', '-json', module], { encoding: 'utf8', cwd: toolsDir });
  const dir = JSON.parse(out).Dir;
  if (!dir || !fs.existsSync(dir)) throw new Error(`cluster: go mod download ${module} gave no folder`);
  return dir;
}

/** Builds whatever is missing; returns the paths. Fast (no Go needed) when all are cached. */
function ensureTools(log) {
  const paths = toolPaths();
  const missing = [paths.server, paths.sql, paths.schema, paths.ui].filter((p) => !fs.existsSync(p));
  if (missing.length === 0) return paths;
  fs.mkdirSync(toolsDir, { recursive: true });
  const go = goBinary();
  const server = `go.temporal.io/server@v${versions.temporalServer}`;
  if (!fs.existsSync(paths.server)) goInstall(go, `go.temporal.io/server/cmd/server@v${versions.temporalServer}`, paths.server, log);
  if (!fs.existsSync(paths.sql)) goInstall(go, `go.temporal.io/server/cmd/tools/sql@v${versions.temporalServer}`, paths.sql, log);
  if (!fs.existsSync(paths.schema)) {
    fs.cpSync(path.join(moduleDir(go, server), 'schema', 'postgresql', 'v12'), paths.schema, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', path.dirname(path.dirname(paths.schema))]);
  }
  if (!fs.existsSync(paths.ui)) goInstall(go, `github.com/temporalio/ui-server/v2/cmd/server@v${versions.uiServer}`, paths.ui, log);
  return paths;
}

module.exports = { ensureTools, toolPaths, root };
