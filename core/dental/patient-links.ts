// The Confirm and Cancel links of a reminder: a patient answers without an account, so the link itself
// is the proof. Its HMAC covers the appointment, the one answer it gives and the start time it was
// made for; it expires when the appointment begins, and a moved appointment leaves it pointing at a
// time that no longer holds (the API and the workflow both check). The key is derived from the URL
// signing secret (never a constant in the source), separately from the download URLs it also signs.
import { createHmac } from 'node:crypto';
import type { Config } from '../../config/index.js';
import { dentalPublicUrl } from '../../config/dental.js';
import { urlSigningSecret } from '../../config/url-signing-secret.js';
import { sameBytes } from '../same-bytes.js';

export const PATIENT_ANSWERS = ['confirm', 'cancel'] as const;
export type PatientAnswer = (typeof PATIENT_ANSWERS)[number];

/** What a link is for. */
export interface PatientLinkClaims {
  appointmentId: number;
  answer: PatientAnswer;
  /** The appointment's start (epoch ms) when the link was made: it expires then. */
  startsAt: number;
}

export const PATIENT_ANSWER_PATH = '/api/dental/answer';
const TOKEN = /^(\d{1,15})\.(confirm|cancel)\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

export type PatientLinkSettings = Pick<Config, 'URL_SIGNING_SECRET' | 'URL_SIGNING_SECRET_FILE' | 'NODE_ENV' | 'DENTAL_PUBLIC_URL' | 'DENTAL_PORT'>;

export function createPatientLinks(config: PatientLinkSettings) {
  const key = createHmac('sha256', urlSigningSecret(config)).update('qhitz dental patient answer links').digest();
  const signatureOf = ({ appointmentId, answer, startsAt }: PatientLinkClaims) =>
    createHmac('sha256', key).update(`${appointmentId}.${answer}.${startsAt}`).digest();
  const base = dentalPublicUrl(config);

  const token = (claims: PatientLinkClaims) =>
    `${claims.appointmentId}.${claims.answer}.${claims.startsAt}.${signatureOf(claims).toString('base64url')}`;

  return {
    token,

    /** The link a reminder carries; opening it only shows a page, pressing its button answers. */
    url: (claims: PatientLinkClaims) => `${base}${PATIENT_ANSWER_PATH}/${token(claims)}`,

    /** The claims of a token this practice signed; null for anything else (malformed, altered, another answer). */
    read(candidate: string): PatientLinkClaims | null {
      const match = TOKEN.exec(candidate);
      if (!match) return null;
      const claims: PatientLinkClaims = { appointmentId: Number(match[1]), answer: match[2] as PatientAnswer, startsAt: Number(match[3]) };
      // Compared as text: decoding would accept several spellings of the same bytes.
      const given = Buffer.from(match[4]!);
      const expected = Buffer.from(signatureOf(claims).toString('base64url'));
      return sameBytes(given, expected) ? claims : null;
    },
  };
}

export type PatientLinks = ReturnType<typeof createPatientLinks>;
