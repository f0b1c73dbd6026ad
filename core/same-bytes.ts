// Comparing a secret someone presents with the one expected, without the time taken telling how much
// of it was right. timingSafeEqual refuses inputs of different lengths; a length is no secret here.
import { timingSafeEqual } from 'node:crypto';

export function sameBytes(given: Uint8Array, expected: Uint8Array): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}
