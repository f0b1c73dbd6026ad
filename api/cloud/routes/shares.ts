// Share links: a 128-bit token derived from a random seed (share-tokens.ts; seed and hash are stored), an expiry kept by a workflow timer
// and re-checked on every download, an optional password and download limit.
import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import type { H3Event } from 'h3';
import { z } from 'zod';
import { sameBytes } from '../../../core/same-bytes.js';
import { findCloudFile } from '../../../db/cloud/files.js';
import {
  claimOpenDownload,
  clearPasswordFailures,
  countDownload,
  deleteShare,
  findOwnedShare,
  findShareByHash,
  findShareForDownload,
  insertShare,
  listShares,
  passwordRetryAfter,
  setShareState,
  takePasswordAttempt,
  type SharedVersion,
} from '../../../db/cloud/shares.js';
import { blobResponse } from '../../shared/downloads.js';
import { ApiError, gone, invalidFields, notFound, tooManyRequests } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import type { CloudContext, CloudServices } from '../services.js';
import { hashShareToken as hashToken } from '../share-tokens.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;
const MAX_LIFETIME_SECONDS = 365 * 24 * 3600;
const DEFAULT_LIFETIME_SECONDS = 7 * 24 * 3600;
/** Wrong passwords allowed per link within the window before further tries wait for it to pass. */
const PASSWORD_ATTEMPTS = 5;
const PASSWORD_WINDOW_SECONDS = 60;

const fileIdParams = z.object({ file_id: fields.id });
const newShare = z
  .object({
    expires_in: z.number().int().min(1).max(MAX_LIFETIME_SECONDS).optional(),
    expires_at: z.iso.datetime({ offset: true }).optional(),
    password: z.string().min(4).max(200).optional(),
    max_downloads: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((body) => body.expires_in === undefined || body.expires_at === undefined, { message: 'send expires_in or expires_at, not both', path: ['expires_at'] });
const createdShare = z.object({
  message: z.string(),
  shared_link: z.string().describe('The token; stored as its hash beside the seed it is derived from'),
  share_url: z.string().describe('GET it without a token (with X-Share-Password if the link has one)'),
  expires_at: z.string(),
  max_downloads: z.number().nullable(),
});
const fileId = z.object({ id: fields.id });
const ownTokenParams = z.object({ token: z.string().min(10).max(100) });
const shareIdParams = z.object({ id: fields.id, share_id: fields.id });
const tokenParams = z.object({ token: z.string().min(1).max(100) });
const passwordForm = z.object({ password: z.string().max(200).optional() });

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `${salt.toString('base64url')}.${(await scryptAsync(password, salt, 32)).toString('base64url')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [salt, expected] = stored.split('.');
  const actual = await scryptAsync(password, Buffer.from(salt!, 'base64url'), 32);
  const wanted = Buffer.from(expected!, 'base64url');
  return sameBytes(actual, wanted);
}

/** The bytes of a shared file's current version. */
function serve({ store }: CloudServices, event: H3Event, version: SharedVersion) {
  return blobResponse(event, {
    store,
    key: version.storage_key,
    size: version.size_bytes,
    sha256: version.storage_key,
    modifiedAt: version.version_created_at,
    fileName: version.file_name,
    contentType: version.mime_type,
  });
}

/**
 * The bytes behind a link, after every check: the row's state and its expires_at (so expiry holds
 * even when the worker that expires links was down), the download limit, then the password —
 * throttled per link and compared in constant time. Every GET counts as a download, ranges and
 * conditional requests included, or a client could fetch the file forever in pieces.
 */
async function sharedDownload(services: CloudServices, event: H3Event, token: string, password: string | null | undefined): Promise<ReturnType<typeof blobResponse>> {
  const { pool } = services;
  const tokenHash = hashToken(token);
  // Most downloads are of open links: checked, counted and found in one round trip.
  const open = event.req.method === 'HEAD' ? null : await claimOpenDownload(pool, tokenHash);
  if (open) return serve(services, event, open);

  const link = await findShareForDownload(pool, tokenHash);
  if (!link) throw notFound('No such share link');
  if (link.state === 'revoked') throw gone('link_revoked', 'This link was revoked by its owner');
  if (link.state === 'expired' || Date.parse(link.expires_at) <= Date.now()) throw gone('link_expired', 'This link has expired');
  if (link.max_downloads !== null && link.download_count >= link.max_downloads) throw gone('download_limit', 'This link has reached its download limit');
  if (link.password_hash) {
    if (!password) throw new ApiError(401, 'password_required', 'This link needs its password (X-Share-Password header, or a form post with password)');
    if (!(await takePasswordAttempt(pool, link.id, PASSWORD_ATTEMPTS, PASSWORD_WINDOW_SECONDS))) {
      const wait = await passwordRetryAfter(pool, link.id, PASSWORD_ATTEMPTS, PASSWORD_WINDOW_SECONDS);
      throw tooManyRequests(Math.max(wait, 1), 'Too many wrong passwords for this link; try again later');
    }
    if (!(await passwordMatches(password, link.password_hash))) throw new ApiError(403, 'wrong_password', 'The password is not correct');
    await clearPasswordFailures(pool, link.id);
  }
  if (link.storage_key === null || link.file_name === null) throw gone('link_expired', 'The shared file no longer exists');
  if (event.req.method !== 'HEAD' && !(await countDownload(pool, link.id))) {
    // Lost a race for the last download, or expired/revoked since the checks above.
    throw gone('download_limit', 'This link has reached its download limit');
  }
  // The version's columns come from one joined row: all null (handled above) or all set.
  return serve(services, event, { file_name: link.file_name, storage_key: link.storage_key, size_bytes: link.size_bytes!, mime_type: link.mime_type!, version_created_at: link.version_created_at! });
}

/** Refuses downloads at once (the row is the truth), then ends the link's workflow early. */
async function revoke({ pool, workflows }: CloudServices, linkId: number) {
  await setShareState(pool, linkId, 'revoked');
  await workflows.endShareLinks([linkId]);
  return { message: 'Share link revoked' };
}

async function createShare({ services, user, params, body, event }: CloudContext<{ access: 'user'; params: typeof fileIdParams; body: typeof newShare }>) {
  const { pool, shareTokens, workflows, logger } = services;
  const expiresAt = body.expires_at ? new Date(body.expires_at) : new Date(Date.now() + (body.expires_in ?? DEFAULT_LIFETIME_SECONDS) * 1000);
  if (expiresAt.getTime() <= Date.now() || expiresAt.getTime() > Date.now() + MAX_LIFETIME_SECONDS * 1000) {
    throw invalidFields({ expires_at: ['must be in the future and within a year'] });
  }
  const { seed, token, hash } = shareTokens.issue();
  const passwordHash = body.password ? await hashPassword(body.password) : null;
  const link = await insertShare(pool, {
    tokenHash: hash,
    tokenSeed: seed,
    fileId: params.file_id,
    ownerId: user.id,
    expiresAt: expiresAt.toISOString(),
    passwordHash,
    maxDownloads: body.max_downloads ?? null,
  });
  if (!link) throw notFound('No such file');
  // No workflow, no link: if Temporal cannot be reached the row goes again and nothing is left.
  // Nobody can use the link meanwhile: its token is not out yet. (A transaction around the start
  // gave the same outcome for two more round trips per link; the file check is in the insert.)
  try {
    await workflows.startShareLink({ id: link.id, ownerId: user.id, expiresAt, fileId: params.file_id });
  } catch (error) {
    // If even this fails the row stays unused (nobody has its token) and reads 'expired' at its expiry.
    await deleteShare(pool, link.id).catch((cleanup: unknown) => logger.warn({ err: cleanup, linkId: link.id }, 'could not take back a share link without a workflow'));
    throw error;
  }
  event.res.status = 201;
  return {
    message: 'Share link created',
    shared_link: token,
    share_url: `/api/cloud/shared/${token}`,
    expires_at: expiresAt.toISOString(),
    max_downloads: body.max_downloads ?? null,
  };
}

async function listFileShares({ services: { pool }, user, params }: CloudContext<{ access: 'user'; params: typeof fileId }>) {
  if (!(await findCloudFile(pool, params.id, user.id))) throw notFound('No such file');
  return { shares: await listShares(pool, params.id) };
}

async function revokeByToken({ services, user, params }: CloudContext<{ access: 'user'; params: typeof ownTokenParams }>) {
  const link = await findShareByHash(services.pool, hashToken(params.token));
  if (!link || link.owner_id !== user.id) throw notFound('No such share link of yours');
  return revoke(services, link.id);
}

async function revokeById({ services, user, params }: CloudContext<{ access: 'user'; params: typeof shareIdParams }>) {
  const link = await findOwnedShare(services.pool, { id: params.share_id, fileId: params.id, ownerId: user.id });
  if (!link) throw notFound('No such share link of yours');
  return revoke(services, link.id);
}

function downloadShared({ services, event, params }: CloudContext<{ access: 'public'; params: typeof tokenParams }>) {
  return sharedDownload(services, event, params.token, event.req.headers.get('x-share-password'));
}

function downloadSharedWithForm({ services, event, params, body }: CloudContext<{ access: 'public'; params: typeof tokenParams; body: typeof passwordForm }>) {
  return sharedDownload(services, event, params.token, body.password ?? event.req.headers.get('x-share-password'));
}

export const shareRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/cloud/share/:file_id',
    summary: 'Create a share link for one of your files (expires_in seconds or expires_at; optional password and download limit)',
    access: 'user',
    params: fileIdParams,
    body: newShare,
    responses: { 201: { description: 'Created; while the link is open, the file’s answers show its token as shared_link', schema: createdShare } },
    example: { params: { file_id: 42 }, body: { expires_in: 86400, password: 'molar-2026', max_downloads: 5 } },
    handler: createShare,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/cloud/file/:id/shares',
    summary: 'The share links of one of your files (the file’s shared_link is the newest open one’s token)',
    access: 'user',
    params: fileId,
    handler: listFileShares,
  }),
  defineRoute({ method: 'DELETE', path: '/api/cloud/share/:token', summary: 'Revoke a share link at once', access: 'user', params: ownTokenParams, handler: revokeByToken }),
  defineRoute({
    method: 'DELETE',
    path: '/api/cloud/file/:id/shares/:share_id',
    summary: 'Revoke one of a file’s share links by its id (from the list of the file’s links), for when its token is lost',
    access: 'user',
    params: shareIdParams,
    responses: { 200: { description: 'Revoked (also when it had already ended)', schema: z.object({ message: z.string() }) } },
    handler: revokeById,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/cloud/shared/:token',
    summary: 'Download through a share link (no login; a password-protected link takes it in X-Share-Password)',
    access: 'public',
    params: tokenParams,
    responses: { 410: { description: 'link_expired, link_revoked or download_limit' }, 429: { description: 'Too many wrong passwords for this link' } },
    handler: downloadShared,
  }),
  defineRoute({
    method: 'POST',
    path: '/api/cloud/shared/:token',
    summary: 'Download through a password-protected share link, the password sent from a form (password field)',
    access: 'public',
    params: tokenParams,
    body: passwordForm,
    bodyLimit: 4096,
    handler: downloadSharedWithForm,
  }),
];
