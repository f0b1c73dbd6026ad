// Configuration is read from the environment once, at start, and validated here. A missing or
// bad value stops the process with one sentence naming the variable, instead of failing later
// in the middle of a request.
import { z } from 'zod';
import { authSettings } from './auth.js';
import { cloudSettings } from './cloud.js';
import { dentalSettings } from './dental.js';
import { mediaSettings } from './media.js';
import { temporalPayloadSettings } from './temporal-payloads.js';
import { bool, commaList, port, positiveInt, postgresUrl } from './types.js';

export const SERVICES = ['auth', 'media', 'cloud', 'dental'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const DEFAULT_PORTS: Record<ServiceName, number> = { auth: 5000, media: 5001, cloud: 5002, dental: 5003 };

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),

  AUTH_PORT: port.default(DEFAULT_PORTS.auth),
  MEDIA_PORT: port.default(DEFAULT_PORTS.media),
  CLOUD_PORT: port.default(DEFAULT_PORTS.cloud),
  DENTAL_PORT: port.default(DEFAULT_PORTS.dental),

  AUTH_DATABASE_URL: postgresUrl.optional(),
  MEDIA_DATABASE_URL: postgresUrl.optional(),
  CLOUD_DATABASE_URL: postgresUrl.optional(),
  DENTAL_DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  /** How long a request waits for a free connection before the API answers 503. */
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(2000),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(30_000),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  /**
   * Where the worker serves its Prometheus metrics (`/metrics`); `off` turns them off (an empty value
   * counts as unset, like every variable, so it cannot mean off).
   */
  WORKER_METRICS_ADDRESS: z
    .string()
    .default('127.0.0.1:9464')
    .transform((value) => (value === 'off' ? null : value)),
  /** Bound on every Temporal call made while an HTTP request waits (no worker → 503, not a hang). */
  TEMPORAL_REQUEST_TIMEOUT_MS: positiveInt.default(5000),
  ...temporalPayloadSettings,

  /** Comma-separated allowed origins; `*` allows any (the development default only). */
  CORS_ORIGINS: commaList.optional(),
  /** Largest JSON/form body (not file uploads) a route accepts. */
  BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
  /** Behind a reverse proxy or load balancer: take the client address from X-Forwarded-For. */
  TRUST_PROXY: bool.default(false),
  /** Where uploaded files live (media/ and cloud/ below it). */
  STORAGE_ROOT: z.string().min(1).default('.data/storage'),
  /**
   * An upload must arrive within this (the server cuts off slower ones). After a crash, an upload's
   * scratch files and quota reservation are reclaimed once this has passed.
   */
  UPLOAD_TIMEOUT_MS: positiveInt.default(15 * 60_000),
  /** How long the servers wait for in-flight requests at shutdown. */
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000),

  /** Where other services fetch the JWKS and revoked sessions from (unset: this machine's AUTH_PORT). */
  AUTH_URL: z.url().optional(),
  JWT_ISSUER: z.string().min(1).default('qhitz-auth'),
  JWT_AUDIENCE: z.string().min(1).default('qhitz'),
  /** HMAC key for short-lived signed download URLs (media and cloud). Required in production. */
  URL_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** …outside production, a file holding it (generated when missing), which media and cloud share. */
  URL_SIGNING_SECRET_FILE: z.string().min(1).default('.data/url-signing-secret'),
  ...authSettings,
  ...mediaSettings,
  ...cloudSettings,
  ...dentalSettings,
});

export type Environment = z.infer<typeof environmentSchema>;

/** Every variable the configuration reads (documented in .env.example, which a test keeps in step). */
export const CONFIG_VARIABLES = Object.keys(environmentSchema.shape);

export interface Config extends Omit<Environment, 'AUTH_URL'> {
  AUTH_URL: string;
  /** Resolved CORS origins: the configured list, or `*` in development when none is set. */
  corsOrigins: string[];
  databaseUrl(service: ServiceName): string;
  port(service: ServiceName): number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse and validate the environment. Throws ConfigError with one sentence per bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankAsMissing = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(blankAsMissing);
  if (!parsed.success) {
    const sentences = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const value = env[name];
      const shown = value === undefined ? 'it is not set' : `got ${JSON.stringify(redact(name, value))}`;
      return `${name} is invalid: ${issue.message} (${shown}).`;
    });
    throw new ConfigError(sentences.join(' '));
  }
  const values = parsed.data;
  if (values.NODE_ENV === 'production' && !values.URL_SIGNING_SECRET) {
    throw new ConfigError('URL_SIGNING_SECRET is not set: production needs a secret of at least 32 characters for signed URLs.');
  }
  if (values.NODE_ENV === 'production' && values.SMTP_URL && !values.DENTAL_PUBLIC_URL) {
    throw new ConfigError('DENTAL_PUBLIC_URL is not set: with SMTP_URL, production reminders carry links patients must be able to open (e.g. https://dental.example.com).');
  }
  if (Boolean(values.TEMPORAL_TLS_CERT_PATH) !== Boolean(values.TEMPORAL_TLS_KEY_PATH)) {
    throw new ConfigError('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together: mTLS needs the client certificate and its key.');
  }
  const corsOrigins = values.CORS_ORIGINS ?? (values.NODE_ENV === 'development' ? ['*'] : []);
  return {
    ...values,
    AUTH_URL: values.AUTH_URL ?? `http://127.0.0.1:${values.AUTH_PORT}`,
    corsOrigins,
    databaseUrl(service) {
      const name = `${service.toUpperCase()}_DATABASE_URL` as const;
      const url = values[name as keyof Environment];
      if (typeof url !== 'string') {
        throw new ConfigError(`${name} is not set: the ${service} service needs a postgres:// connection URL.`);
      }
      return url;
    },
    port(service) {
      return values[`${service.toUpperCase()}_PORT` as keyof Environment] as number;
    },
  };
}

function redact(name: string, value: string): string {
  return /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|SMTP_URL/.test(name) ? '<redacted>' : value;
}

/** Run `main`, turning a ConfigError (at load or while wiring up) into one line on stderr and exit 78. */
export async function runWithConfig(main: (config: Config) => Promise<void>): Promise<void> {
  try {
    await main(loadConfig());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(78);
  }
}
