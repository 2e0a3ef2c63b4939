#!/usr/bin/env node
// The benchmark runner (`npm run bench`, after the build): loads every dist/bench/*.js that
// exports `run(): Promise<BenchRow[]>`, runs them one after another (never in parallel, so
// they do not disturb each other's timings), and prints ONE table: name, ours, baseline,
// unit, ratio (ours / baseline), note. A bench that throws is reported and the others still
// run; the exit code is then 1.
//
// Benches that export `needsTemporal = true` share one dev server started here; its address
// is passed as TEMPORAL_BENCH_ADDRESS (a bench run on its own starts a server itself).
// `--address host:port` runs every Temporal bench against that server instead (namespace
// `default`, the search attributes registered — e.g. the cluster of `npm run cluster -- up`):
// it sets TEMPORAL_BENCH_ADDRESS and TEMPORAL_ADDRESS (which bench/load.ts reads).
//
// Usage: node scripts/run-bench.js [--json out.json] [--address host:port] [name-substring ...]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const benchDir = path.join(root, 'dist', 'bench');

function parseArgs(argv) {
  const out = { json: undefined, address: undefined, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') out.json = argv[++i];
    else if (argv[i] === '--address') out.address = argv[++i];
    else out.filters.push(argv[i]);
  }
  return out;
}

function fmt(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return 'n/a';
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

function printTable(rows) {
  const head = ['bench', 'name', 'ours', 'baseline', 'unit', 'ratio', 'note'];
  const body = rows.map((r) => [r.bench, r.name, fmt(r.ours), fmt(r.baseline), r.unit, r.ratio === undefined ? 'n/a' : `${fmt(r.ratio)}×`, r.note ?? '']);
  const widths = head.map((h, i) => Math.min(i === 1 ? 100 : 40, Math.max(h.length, ...body.map((b) => String(b[i]).length))));
  const line = (cells) => cells.map((c, i) => (i === 6 ? String(c) : String(c).padEnd(widths[i]))).join(' | ');
  console.log(line(head));
  console.log(widths.map((w, i) => '-'.repeat(i === 6 ? 4 : w)).join('-|-'));
  for (const b of body) console.log(line(b));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.address !== undefined) {
    if (!/^[^\s:]+:\d+$/.test(args.address)) {
      console.error(`run-bench: --address ${args.address}: expected host:port, e.g. --address 127.0.0.1:7233`);
      return 2;
    }
    process.env.TEMPORAL_BENCH_ADDRESS = args.address;
    process.env.TEMPORAL_ADDRESS = args.address;
  }
  if (!fs.existsSync(benchDir)) {
    console.error('run-bench: no dist/bench (run `npm run build` first)');
    return 1;
  }
  const files = fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .filter((f) => args.filters.length === 0 || args.filters.some((x) => f.includes(x)));
  const benches = [];
  for (const file of files) {
    const mod = require(path.join(benchDir, file));
    if (typeof mod.run === 'function') benches.push({ name: file.replace(/\.js$/, ''), mod });
  }
  let server;
  if (benches.some((b) => b.mod.needsTemporal === true) && !process.env.TEMPORAL_BENCH_ADDRESS) {
    const { startDevServer } = require(path.join(root, 'dist', 'src', 'dev', 'dev-server.js'));
    const { DEV_SERVER_SEARCH_ATTRIBUTES } = require(path.join(root, 'dist', 'src', 'worker', 'search-attributes.js'));
    server = await startDevServer({ searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES });
    process.env.TEMPORAL_BENCH_ADDRESS = server.address;
  }
  const rows = [];
  let failed = 0;
  try {
    for (const b of benches) {
      const started = Date.now();
      process.stderr.write(`run-bench: ${b.name} …\n`);
      try {
        for (const r of await b.mod.run()) {
          const ratio = Number.isFinite(r.ours) && Number.isFinite(r.baseline) && r.baseline !== 0 ? r.ours / r.baseline : undefined;
          rows.push({ bench: b.name, ...r, ratio });
        }
      } catch (err) {
        failed++;
        rows.push({ bench: b.name, name: '(failed)', ours: NaN, baseline: NaN, unit: '', note: String(err && err.message ? err.message : err).slice(0, 200) });
      }
      process.stderr.write(`run-bench: ${b.name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await server?.stop();
  }
  printTable(rows);
  if (args.json) {
    const clean = rows.map((r) => ({
      ...r,
      ours: Number.isFinite(r.ours) ? r.ours : null,
      baseline: Number.isFinite(r.baseline) ? r.baseline : null,
      ratio: r.ratio ?? null,
    }));
    fs.writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows: clean }, null, 2)}\n`);
    console.log(`run-bench: wrote ${args.json}`);
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error('run-bench: FAILED —', err);
    process.exitCode = 1;
  },
);
