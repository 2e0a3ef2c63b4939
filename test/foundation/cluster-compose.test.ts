import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../src/worker/search-attributes';
import { repoRoot } from '../helpers/paths';

// docker-compose.yml and `npm run cluster` (scripts/cluster.js) describe one topology: the
// same versions, ports, namespace, search attributes, config template and scripts.
interface Service {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  entrypoint?: string[];
  ports?: string[];
}
const read = (...p: string[]): string => fs.readFileSync(path.join(repoRoot, ...p), 'utf8');
const versions = JSON.parse(read('scripts', 'cluster', 'versions.json')) as {
  temporalServer: string;
  uiServer: string;
  temporalCli: string;
  postgresMajor: number;
  namespace: string;
  retention: string;
  composePorts: Record<string, number>;
};
const services = (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }).services;
const temporalImage = ['temporal-schema', 'temporal', 'temporal-init'];

test('cluster/compose: the Temporal services run the image built from the pinned server and CLI versions', () => {
  for (const name of temporalImage) {
    const s = services[name];
    assert.equal(s?.build?.context, 'deploy/temporal', name);
    assert.equal(s?.build?.args?.['TEMPORAL_SERVER_VERSION'], versions.temporalServer, `${name} server version`);
    assert.equal(s?.build?.args?.['TEMPORAL_CLI_VERSION'], versions.temporalCli, `${name} CLI version`);
    assert.equal(s?.image, `agent-os-temporal:${versions.temporalServer}`, name);
  }
  const dockerfile = read('deploy', 'temporal', 'Dockerfile');
  assert.match(dockerfile, new RegExp(`ARG TEMPORAL_SERVER_VERSION=${versions.temporalServer.replace(/\./g, '\\.')}\\n`));
  assert.match(dockerfile, new RegExp(`ARG TEMPORAL_CLI_VERSION=${versions.temporalCli.replace(/\./g, '\\.')}\\n`));
  assert.match(read('scripts', 'install-temporal.sh'), new RegExp(`TEMPORAL_GO_VERSION="v${versions.temporalCli.replace(/\./g, '\\.')}"`));
});

test('cluster/compose: PostgreSQL and Web UI versions match the script', () => {
  assert.match(services['postgresql']?.image ?? '', new RegExp(`^postgres:${versions.postgresMajor}-`));
  assert.equal(services['temporal-ui']?.image, `temporalio/ui:${versions.uiServer}`);
});

test('cluster/compose: ports published by compose are the config template defaults the script overrides', () => {
  const template = read('deploy', 'temporal', 'server.yaml');
  assert.deepEqual(services['temporal']?.ports, [`${versions.composePorts['frontend']}:${versions.composePorts['frontend']}`]);
  assert.deepEqual(services['temporal-ui']?.ports, [`${versions.composePorts['ui']}:8080`]);
  for (const [env, key] of [
    ['FRONTEND_GRPC_PORT', 'frontend'],
    ['FRONTEND_HTTP_PORT', 'frontendHttp'],
    ['HISTORY_GRPC_PORT', 'history'],
    ['MATCHING_GRPC_PORT', 'matching'],
    ['WORKER_GRPC_PORT', 'worker'],
  ] as const) {
    assert.match(template, new RegExp(`default "${versions.composePorts[key]}" \\(env "${env}"\\)`), `${env} default`);
  }
  const scriptEnv = read('scripts', 'cluster', 'server-config.js');
  for (const env of template.match(/env "([A-Z_]+)"/g)?.map((m) => m.slice(5, -1)) ?? []) {
    if (
      env === 'LOG_LEVEL' ||
      env === 'DYNAMIC_CONFIG_FILE_PATH' ||
      env.startsWith('POSTGRES_') ||
      env.endsWith('_PORT') ||
      env === 'BIND_ON_IP' ||
      env === 'TEMPORAL_BROADCAST_ADDRESS'
    ) {
      assert.match(scriptEnv, new RegExp(`\\b${env}:`), `the script sets ${env}`);
    } else {
      assert.fail(`server.yaml reads ${env}, which neither the script nor this test knows`);
    }
  }
});

test('cluster/compose: both run the same schema and init scripts with the same namespace and retention', () => {
  assert.deepEqual(services['temporal-schema']?.entrypoint, ['/etc/temporal/setup-schema.sh']);
  assert.deepEqual(services['temporal-init']?.entrypoint, ['/etc/temporal/init.sh']);
  assert.equal(services['temporal-init']?.environment?.['TEMPORAL_NAMESPACE'], versions.namespace);
  assert.equal(services['temporal-init']?.environment?.['TEMPORAL_RETENTION'], versions.retention);
  const script = read('scripts', 'cluster.js');
  assert.match(script, /deploy', 'temporal', 'setup-schema\.sh'/);
  assert.match(script, /deploy', 'temporal', 'init\.sh'/);
  assert.doesNotMatch(read('docker-compose.yml'), /--yes|\|\| true/, 'no failure is hidden');
});

test('cluster/compose: init.sh registers exactly the search attributes runs set', () => {
  const line = /for sa in ([^;]+);/.exec(read('deploy', 'temporal', 'init.sh'))?.[1] ?? '';
  const registered = Object.fromEntries(
    line
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split(':') as [string, string]),
  );
  assert.deepEqual(registered, { ...DEV_SERVER_SEARCH_ATTRIBUTES });
});
