// How every process reaches Temporal: a local dev server by default, or an external cluster through
// TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE with TLS (mTLS files) or an API key.
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { type Config, ConfigError } from '../config/index.js';
import { temporalDataConverter } from './data-converter.js';

type TemporalSettings = Pick<
  Config,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CA_PATH' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH'
>;

/** A file a setting names, or one sentence naming the setting (not a stack trace) when it cannot be read. */
function readSetting(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`${name} names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
}

/** Connection settings shared by the client (APIs) and the worker's NativeConnection. */
export function temporalConnectionOptions(config: TemporalSettings) {
  const useTls =
    config.TEMPORAL_TLS || Boolean(config.TEMPORAL_API_KEY || config.TEMPORAL_TLS_CERT_PATH || config.TEMPORAL_TLS_CA_PATH);
  const tls = useTls
    ? {
        ...(config.TEMPORAL_TLS_CA_PATH && { serverRootCACertificate: readSetting('TEMPORAL_TLS_CA_PATH', config.TEMPORAL_TLS_CA_PATH) }),
        ...(config.TEMPORAL_TLS_CERT_PATH &&
          config.TEMPORAL_TLS_KEY_PATH && {
            clientCertPair: {
              crt: readSetting('TEMPORAL_TLS_CERT_PATH', config.TEMPORAL_TLS_CERT_PATH),
              key: readSetting('TEMPORAL_TLS_KEY_PATH', config.TEMPORAL_TLS_KEY_PATH),
            },
          }),
      }
    : undefined;
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(tls && { tls }),
    ...(config.TEMPORAL_API_KEY && { apiKey: config.TEMPORAL_API_KEY }),
  } satisfies ConnectionOptions;
}

/**
 * A client whose connection is made on first use, so an API starts (and reports Temporal as down
 * in its health) even while Temporal is unreachable. It encrypts and decrypts payloads like the worker.
 */
export function createTemporalClient(config: Config): Client {
  const connection = Connection.lazy({ ...temporalConnectionOptions(config), connectTimeout: 3000 });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(config) });
}

/** Health probe: one cheap round trip to the frontend. */
export async function pingTemporal(client: Client, timeoutMs = 1500): Promise<void> {
  await client.connection.withDeadline(Date.now() + timeoutMs, () =>
    client.workflowService.getSystemInfo({}),
  );
}
