import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, loadConfig } from '../../config/index.js';
import { temporalConnectionOptions } from '../../temporal/connection.js';

const config = suite('configuration');

function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.instance(error, ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

config('defaults give a working development configuration', () => {
  const values = loadConfig({});
  assert.is(values.NODE_ENV, 'development');
  assert.is(values.port('auth'), 5000);
  assert.is(values.port('dental'), 5003);
  assert.equal(values.corsOrigins, ['*']);
  assert.is(values.MEDIA_MAX_FILE_SIZE, 100 * 1024 * 1024);
  assert.is(values.AUTH_URL, 'http://127.0.0.1:5000');
});

config('the other services find the auth service on the port it was given, unless AUTH_URL says otherwise', () => {
  assert.is(loadConfig({ AUTH_PORT: '6000' }).AUTH_URL, 'http://127.0.0.1:6000');
  assert.is(loadConfig({ AUTH_PORT: '6000', AUTH_URL: 'http://auth:5000' }).AUTH_URL, 'http://auth:5000');
});

config('a bad value stops with a sentence naming the variable', () => {
  assert.match(errorOf({ MEDIA_PORT: 'abc' }), /^MEDIA_PORT is invalid: .*\(got "abc"\)\.$/);
  assert.match(errorOf({ CLOUD_MAX_FILE_SIZE: 'lots' }), /CLOUD_MAX_FILE_SIZE is invalid: must be a size such as 100MB or 5GiB/);
  assert.match(errorOf({ PRACTICE_TIME_ZONE: 'Mars/Olympus' }), /PRACTICE_TIME_ZONE is invalid: must be an IANA time zone/);
});

config('connection strings are validated without being echoed', () => {
  const message = errorOf({ MEDIA_DATABASE_URL: 'mysql://user:secret@db/media' });
  assert.match(message, /MEDIA_DATABASE_URL is invalid: must be a postgres:\/\/ connection URL \(got "<redacted>"\)/);
  assert.not.match(message, /secret/);
  assert.not.match(errorOf({ SMTP_URL: 'not a url with secret in it' }), /secret/, 'SMTP_URL carries the mail password');
});

config('Temporal mTLS settings come in pairs, and a file that cannot be read is named', () => {
  assert.match(errorOf({ TEMPORAL_TLS_CERT_PATH: '/etc/qhitz/client.pem' }), /TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together/);
  const settings = loadConfig({ TEMPORAL_TLS_CA_PATH: '/nonexistent/ca.pem' });
  assert.throws(() => temporalConnectionOptions(settings), (error: Error) => error instanceof ConfigError && /TEMPORAL_TLS_CA_PATH names \/nonexistent\/ca\.pem, which cannot be read \(ENOENT\)/.test(error.message));
});

config('a service without its database URL names the missing variable', () => {
  assert.throws(() => loadConfig({}).databaseUrl('dental'), (error: Error) => /DENTAL_DATABASE_URL is not set/.test(error.message));
});

config('production refuses development defaults for secrets and CORS', () => {
  assert.match(errorOf({ NODE_ENV: 'production' }), /URL_SIGNING_SECRET is not set/);
  const production = loadConfig({ NODE_ENV: 'production', URL_SIGNING_SECRET: 'x'.repeat(32) });
  assert.equal(production.corsOrigins, [], 'no origin is allowed unless configured');
});

config('production mail to patients needs the address their links open, and the practice’s name is one line', () => {
  const production = { NODE_ENV: 'production', URL_SIGNING_SECRET: 'x'.repeat(32), SMTP_URL: 'smtp://mail.example.com:587' };
  assert.match(errorOf(production), /DENTAL_PUBLIC_URL is not set/);
  assert.is(loadConfig({ ...production, DENTAL_PUBLIC_URL: 'https://dental.example.com/' }).DENTAL_PUBLIC_URL, 'https://dental.example.com');
  assert.is(loadConfig({ ...production, SMTP_URL: '' }).DENTAL_PUBLIC_URL, undefined, 'without mail, no links to open');
  assert.match(errorOf({ PRACTICE_NAME: 'Smile\r\nBcc: everyone@example.com' }), /PRACTICE_NAME is invalid: must be one line/);
});

config('a service started with a bad variable exits 78 with one line on stderr', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/media/main.ts'], {
    env: { ...process.env, MEDIA_PORT: 'not-a-port' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.is(code, 78);
  assert.match(stderr.trim(), /^Configuration error: MEDIA_PORT is invalid: [^\n]+$/);
});

config.run();
