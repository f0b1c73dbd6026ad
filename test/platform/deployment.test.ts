// Docker has no engine on our machines, so the production compose file is checked by reading it:
// the services, ports, health checks and dependencies, the search attributes its setup job registers
// (the same as the code's), and that no secret is written into it. .env.example must document every
// variable the configuration reads.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, SERVICES } from '../../config/index.js';
import { searchAttributeCliPairs } from '../../temporal/search-attributes.js';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  stop_grace_period?: string;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const deployment = suite('deployment files');

deployment('one PostgreSQL 16 per service with a health check and a volume, not published outside the compose network', () => {
  SERVICES.forEach((service) => {
    const database = services[`${service}-db`];
    assert.ok(database, `${service}-db exists`);
    assert.is(database!.image, 'postgres:16');
    assert.ok(database!.healthcheck?.test.join(' ').includes('pg_isready'), `${service}-db has a health check`);
    assert.is(database!.ports, undefined, `${service}-db publishes no port (it would also collide with a host PostgreSQL)`);
    assert.ok(database!.volumes?.some((volume) => volume.endsWith(':/var/lib/postgresql/data')));
    assert.is(database!.environment?.POSTGRES_DB, `${service}_db`);
  });
});

deployment('the APIs and the worker run the one image, wait for their dependencies and expose their ports', () => {
  SERVICES.forEach((service, index) => {
    const api = services[service]!;
    assert.ok(api.build, `${service} is built from the Dockerfile`);
    assert.equal(api.command, ['node', `dist/api/${service}/main.js`]);
    assert.equal(api.ports, [`${5000 + index}:${5000 + index}`]);
    assert.is(api.depends_on?.[`${service}-db`]?.condition, 'service_healthy');
    assert.match(api.healthcheck!.test.join(' '), new RegExp(`127\\.0\\.0\\.1:${5000 + index}/api/health`));
    assert.is(api.environment?.NODE_ENV, 'production');
    assert.is(api.environment?.HOST, '0.0.0.0');
    if (service !== 'auth') {
      assert.is(api.depends_on?.['temporal-setup']?.condition, 'service_completed_successfully');
      assert.is(api.depends_on?.auth?.condition, 'service_healthy', `${service} needs the JWKS of auth`);
    }
  });
  const worker = services.worker!;
  assert.equal(worker.command, ['node', 'dist/worker/main.js']);
  for (const database of ['media-db', 'cloud-db', 'dental-db']) assert.is(worker.depends_on?.[database]?.condition, 'service_healthy');
  for (const name of ['worker', 'media', 'cloud']) assert.ok(services[name]!.volumes?.includes('storage:/data/storage'), `${name} shares the file storage`);
});

deployment('Temporal has its own PostgreSQL, a Web UI on 8080, and a setup job registering our search attributes', () => {
  assert.is(services.temporal!.depends_on?.['temporal-db']?.condition, 'service_healthy');
  assert.ok(services['temporal-ui']!.ports?.includes('8080:8080'));
  assert.equal(services.temporal!.ports, ['127.0.0.1:7233:7233'], 'the frontend only for this host');
  assert.is(services.temporal!.environment?.DEFAULT_NAMESPACE, '${TEMPORAL_NAMESPACE:-default}', 'auto-setup creates the namespace the services use');
  assert.is(services.worker!.stop_grace_period, '40s', 'longer than the worker’s 30 s shutdownGraceTime');
  const setup = String(services['temporal-setup']!.command);
  const registered = /for pair in ([^;]+); do/.exec(setup)?.[1]?.trim().split(/\s+/) ?? [];
  assert.equal(registered.sort(), searchAttributeCliPairs().sort());
});

deployment('every secret comes from the environment and is required', () => {
  const text = readFileSync('docker-compose.yml', 'utf8');
  for (const secret of ['AUTH_SIGNING_KEYS', 'URL_SIGNING_SECRET', 'TEMPORAL_PAYLOAD_KEYS', 'TEMPORAL_CODEC_UI_SECRET', 'AUTH_DB_PASSWORD', 'MEDIA_DB_PASSWORD', 'CLOUD_DB_PASSWORD', 'DENTAL_DB_PASSWORD', 'TEMPORAL_DB_PASSWORD']) {
    assert.match(text, new RegExp(`\\$\\{${secret}:\\?`), `${secret} is required from the environment`);
  }
  for (const [name, service] of Object.entries(services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (/PASSWORD|PWD|SECRET|KEYS/.test(key)) assert.match(String(value), /^\$\{/, `${name}.${key} is not written into the file`);
      if (key.endsWith('_DATABASE_URL')) assert.match(String(value), /:\$\{[A-Z_]+_DB_PASSWORD:\?/, `${name}.${key} takes its password from the environment`);
    }
  }
});

deployment('the payload keys reach only the processes that talk to Temporal; the Web UI decodes through the dental API', () => {
  for (const name of ['worker', 'media', 'cloud', 'dental']) {
    assert.match(String(services[name]!.environment?.TEMPORAL_PAYLOAD_KEYS), /^\$\{TEMPORAL_PAYLOAD_KEYS:\?/, `${name} requires the payload keys`);
  }
  assert.is(services.auth!.environment?.TEMPORAL_PAYLOAD_KEYS, undefined, 'the auth service never holds them');
  assert.match(String(services.dental!.environment?.TEMPORAL_CODEC_UI_SECRET), /^\$\{TEMPORAL_CODEC_UI_SECRET:\?/);
  assert.is(services.dental!.environment?.TEMPORAL_CODEC_CORS_ORIGINS, '${TEMPORAL_UI_ORIGIN:-http://localhost:8080}', 'the UI published on 8080');
  assert.match(String(services['temporal-ui']!.environment?.TEMPORAL_CODEC_ENDPOINT), /:-http:\/\/localhost:5003\}\/api\/temporal-codec\/ui\/\$\{TEMPORAL_CODEC_UI_SECRET:\?/);
});

deployment('the Dockerfile builds with Node 24 and runs compiled code as a non-root user', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  assert.match(dockerfile, /^FROM node:24[\w.-]* AS build$/m);
  assert.match(dockerfile, /scripts\/build-workflow-bundle\.ts dist\/workflow-bundle\.js/, 'the workflow bundle is prebuilt');
  // The image has no Python: npm scripts that bootstrap the dev machine's tools (with-tools.sh) cannot run in it.
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  for (const [, name] of dockerfile.matchAll(/npm run ([\w:-]+)/g)) {
    assert.ok(scripts[name!] && !scripts[name!]!.includes('with-tools.sh'), `the Dockerfile's npm run ${name} needs no dev-machine bootstrap`);
  }
  assert.match(dockerfile, /^USER qhitz$/m);
  assert.match(dockerfile, /WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
});

deployment('.env.example documents every variable the configuration reads', () => {
  const documented = new Set(
    readFileSync('.env.example', 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter(Boolean),
  );
  const missing = CONFIG_VARIABLES.filter((name) => !documented.has(name));
  assert.equal(missing, [], `.env.example lacks ${missing.join(', ')}`);
});

deployment.run();
