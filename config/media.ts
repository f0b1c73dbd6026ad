// Settings of the media service and its indexing workflow.
import { byteSize } from './types.js';

export const mediaSettings = {
  /** Largest single media upload; larger ones are refused with 413 while streaming. */
  MEDIA_MAX_FILE_SIZE: byteSize.default(100 * 1024 ** 2),
};
