// Where the Temporal Web UI finds the codec endpoint (api/shared/temporal-codec.ts serves it) and the
// secret in that address, which is the UI's credential. Here, below api/, because `make dev` hands the
// address to the dev server before any API runs.
import { type Config, ConfigError } from '../config/index.js';
import { readRandomSecret } from '../config/secret-file.js';

export const CODEC_PATH = '/api/temporal-codec';

/** The Web UI's credential. Production must set TEMPORAL_CODEC_UI_SECRET; elsewhere it is generated once. */
export function temporalCodecUiSecret(config: Pick<Config, 'NODE_ENV' | 'TEMPORAL_CODEC_UI_SECRET' | 'TEMPORAL_CODEC_UI_SECRET_FILE'>): string {
  const { text, source } = readRandomSecret({
    variable: 'TEMPORAL_CODEC_UI_SECRET',
    value: config.TEMPORAL_CODEC_UI_SECRET,
    file: config.TEMPORAL_CODEC_UI_SECRET_FILE,
    nodeEnv: config.NODE_ENV,
    productionNeeds: 'a secret of at least 32 characters for the Temporal Web UI’s codec address',
  });
  // It travels in a URL path: anything but URL-safe characters would be mangled on the way.
  if (!/^[\w.~-]+$/.test(text)) throw new ConfigError(`${source} may hold only letters, digits and . _ ~ - (it is part of a URL).`);
  return text;
}

/** The address to give the Web UI (`--ui-codec-endpoint`, TEMPORAL_CODEC_ENDPOINT): it appends /decode. */
export function codecEndpointForUi(dentalApiUrl: string, secret: string): string {
  return `${dentalApiUrl.replace(/\/$/, '')}${CODEC_PATH}/ui/${secret}`;
}
