// Settings of the cloud drive.
import { byteSize } from './types.js';

export const cloudSettings = {
  /** Largest single cloud upload; larger ones are refused with 413 while streaming. */
  CLOUD_MAX_FILE_SIZE: byteSize.default(500 * 1024 ** 2),
  /** Storage quota of a user whose quota an admin has not set. */
  CLOUD_DEFAULT_QUOTA: byteSize.default(5 * 1024 ** 3),
};
