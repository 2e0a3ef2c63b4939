import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/paths';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  environment?: Record<string, string>;
  command?: unknown;
  volumes?: string[];
}

const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;

test('docker-compose: has PostgreSQL, Temporal, its Web UI and our worker', () => {
  for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker']) assert.ok(services[name], `service ${name}`);
  assert.equal(services['temporal']?.environment?.['POSTGRES_HOST'], 'postgresql');
  assert.deepEqual(services['temporal']?.depends_on?.['temporal-schema'], { condition: 'service_completed_successfully' });
});

test('docker-compose: every image is pinned to an explicit version (no latest, no bare name)', () => {
  for (const [name, service] of Object.entries(services)) {
    if (service.build) continue;
    assert.match(service.image ?? '', /^[\w./-]+:[\w.-]*\d[\w.-]*$/, `${name} image ${service.image}`);
    assert.doesNotMatch(service.image ?? '', /:latest$/, name);
  }
});

test('docker-compose: long-running services have healthchecks and start in dependency order', () => {
  for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker']) {
    assert.ok(services[name]?.healthcheck?.test, `${name} healthcheck`);
  }
  assert.deepEqual(services['temporal-schema']?.depends_on?.['postgresql'], { condition: 'service_healthy' });
  assert.deepEqual(services['temporal-ui']?.depends_on?.['temporal'], { condition: 'service_healthy' });
  assert.deepEqual(services['worker']?.depends_on?.['temporal'], { condition: 'service_healthy' });
  for (const [name, service] of Object.entries(services)) {
    for (const dependency of Object.keys(service.depends_on ?? {})) assert.ok(services[dependency], `${name} depends on ${dependency}`);
  }
});

test('docker-compose: the worker is built from this repository and gets its policy and workspace mounted', () => {
  const worker = services['worker']!;
  assert.equal(worker.build?.dockerfile, 'Dockerfile');
  const dockerfile = fs.readFileSync(path.join(repoRoot, worker.build!.context, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^FROM node:20[\w.-]*/m, 'the worker runs on Node 20');
  assert.match(dockerfile, /^RUN npm run build\b/m, 'the image is built as CI builds (the openat2 addon included)');
  for (const [, from] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of from!.split(' ')) assert.ok(fs.existsSync(path.join(repoRoot, source)), `COPY ${source}: exists`);
  }
  assert.equal(worker.environment?.['TEMPORAL_ADDRESS'], 'temporal:7233');
  assert.ok(fs.existsSync(path.join(repoRoot, 'deploy', 'policy.yaml')), 'deploy/policy.yaml exists');
  assert.ok(
    worker.volumes?.some((v) => v.startsWith('./deploy:/config')),
    'policy folder mounted',
  );
  for (const volume of worker.volumes ?? []) {
    const host = volume.split(':')[0]!;
    if (host.startsWith('.')) assert.ok(fs.existsSync(path.join(repoRoot, host)), `${host} exists`);
  }
});
