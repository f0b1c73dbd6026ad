// Accounts, as the Flask system's clients know them: register, login, verify, profile, change-password.
import { z } from 'zod';
import { email, username } from '../../../core/auth/account-fields.js';
import { passwordProblems } from '../../../core/auth/password-policy.js';
import { audit, markLoginAttemptSucceeded } from '../../../db/auth/security.js';
import { endSessions } from '../../../db/auth/sessions.js';
import { findUserById, findUserForLogin, findUserWithHash, insertUser, setPasswordHash, updateProfile } from '../../../db/auth/users.js';
import { ApiError, invalidFields, unauthorized, unlessDuplicate } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { clientOf } from '../client-info.js';
import { triedAccount } from '../login-throttle.js';
import { presentProfile, presentUser, profileView, userView } from '../present.js';
import type { AuthContext } from '../services.js';

const userResponse = z.object({ message: z.string(), user: userView });
const registration = z.object({ username, email, password: z.string() });
const credentials = z
  .object({ email: z.string().trim().max(254).optional(), username: z.string().trim().max(254).optional(), password: z.string().min(1).max(1024) })
  .refine((input) => input.email || input.username, { message: 'send email (or username)', path: ['email'] });
const loginAnswer = z.object({
  message: z.string(),
  token: z.string(),
  refresh_token: z.string(),
  expires_in: z.number(),
  token_type: z.literal('Bearer'),
  user: userView,
});
const profileChange = z.object({ username: username.optional(), email: email.optional() });
const passwordChange = z.object({ current_password: z.string().min(1).max(1024), new_password: z.string() });

/** A 409 naming the field whose value is taken (emails and usernames are unique regardless of case). */
const unlessTaken = <T>(work: Promise<T>) =>
  unlessDuplicate(work, (constraint) => {
    const field = constraint === 'users_email_unique' ? 'email' : 'username';
    return { message: `That ${field} is already registered`, details: { field } };
  });

function rejectWeakPassword(password: string, account: { email?: string; username?: string }, field = 'password') {
  const problems = passwordProblems(password, account);
  if (problems.length) throw invalidFields({ [field]: problems });
}

async function register({ services: { pool, passwords, config }, body, event }: AuthContext<{ access: 'public'; body: typeof registration }>) {
  rejectWeakPassword(body.password, body);
  const passwordHash = await passwords.hash(body.password);
  const user = await unlessTaken(insertUser(pool, { username: body.username, email: body.email, passwordHash }));
  await audit(pool, { event: 'register', userId: user.id, ...clientOf(event, config.TRUST_PROXY) });
  event.res.status = 201;
  return { message: 'User registered successfully', user: presentUser(user) };
}

async function login({ services: { pool, passwords, tokens, throttle, config }, body, event }: AuthContext<{ access: 'public'; body: typeof credentials }>) {
  const identifier = (body.email || body.username)!;
  const client = clientOf(event, config.TRUST_PROXY);
  const ip = client.ip ?? 'unknown';
  const user = await findUserForLogin(pool, identifier);
  // The attempt is counted before the password is checked (see takeLoginAttempt).
  const accountKey = throttle.accountKey(user, identifier);
  const attemptId = await throttle.take(accountKey, client, user);
  const check = await passwords.check(body.password, user?.password_hash ?? null);
  const refused = new ApiError(401, 'invalid_credentials', 'Invalid credentials');
  if (!user || !check.valid) {
    await audit(pool, { event: 'login_failed', ...triedAccount(user, accountKey), ...client });
    throw refused;
  }
  if (!user.is_active) {
    await audit(pool, { event: 'login_refused_inactive', userId: user.id, ...client });
    throw new ApiError(403, 'account_disabled', 'This account has been deactivated');
  }
  let verifiedHash = user.password_hash;
  if (check.needsRehash) {
    const upgraded = await passwords.hash(body.password);
    await setPasswordHash(pool, user.id, upgraded, verifiedHash);
    verifiedHash = upgraded;
  }
  const opened = await tokens.startSession(user, { ...client, ip }, {
    attemptId,
    verifiedHash,
    details: { upgraded_hash: check.needsRehash },
  });
  // The password was changed or the account deactivated while it was being checked.
  if (!opened) throw refused;
  const { session_id: _session, role, ...pair } = opened;
  return { message: 'Login successful', ...pair, user: presentUser({ ...user, role, last_login: new Date().toISOString() }) };
}

async function verifyToken({ services: { pool }, user }: AuthContext<{ access: 'user' }>) {
  const account = await findUserById(pool, user.id);
  if (!account || !account.is_active) throw unauthorized('This account no longer exists or is deactivated');
  return { message: 'Token is valid', valid: true, user: presentUser(account) };
}

async function showProfile({ services: { pool }, user }: AuthContext<{ access: 'user' }>) {
  const account = await findUserById(pool, user.id);
  if (!account) throw unauthorized('This account no longer exists');
  return presentProfile(account);
}

async function changeProfile({ services: { pool, config }, user, body, event }: AuthContext<{ access: 'user'; body: typeof profileChange }>) {
  const account = await unlessTaken(updateProfile(pool, user.id, body));
  await audit(pool, { event: 'profile_updated', userId: user.id, ...clientOf(event, config.TRUST_PROXY), details: { fields: Object.keys(body) } });
  return { message: 'Profile updated successfully', user: presentUser(account) };
}

async function changePassword({ services: { pool, passwords, throttle, config }, user, body, event }: AuthContext<{ access: 'user'; body: typeof passwordChange }>) {
  const account = await findUserWithHash(pool, user.id);
  if (!account) throw unauthorized('This account no longer exists');
  const client = clientOf(event, config.TRUST_PROXY);
  // Guesses at the current password count like failed logins of the account (a stolen access
  // token must not become an unthrottled password oracle).
  const attemptId = await throttle.take(throttle.accountKey(account, account.email), client, account);
  const check = await passwords.check(body.current_password, account.password_hash);
  if (!check.valid) {
    await audit(pool, { event: 'password_change_failed', userId: user.id, ...client });
    throw new ApiError(403, 'wrong_password', 'The current password is not correct');
  }
  await markLoginAttemptSucceeded(pool, attemptId);
  rejectWeakPassword(body.new_password, account, 'new_password');
  await setPasswordHash(pool, user.id, await passwords.hash(body.new_password), account.password_hash);
  const ended = await endSessions(pool, { userId: user.id, exceptSessionId: user.sessionId }, 'password_changed', config.ACCESS_TOKEN_TTL_SECONDS);
  await audit(pool, { event: 'password_changed', userId: user.id, ...client, details: { sessions_ended: ended.length } });
  return { message: 'Password changed successfully', sessions_ended: ended.length };
}

export const accountRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/auth/register',
    summary: 'Create an account (role user)',
    access: 'public',
    body: registration,
    responses: { 201: { description: 'Account created', schema: userResponse }, 409: { description: 'That email or username is registered (details.field names which)' } },
    example: { body: { username: 'jane_doe', email: 'jane.doe@example.com', password: 'correct horse battery staple' } },
    handler: register,
  }),
  defineRoute({
    method: 'POST',
    path: '/api/auth/login',
    summary: 'Log in with email (or username) and password; returns an access and a refresh token',
    access: 'public',
    body: credentials,
    example: { body: { email: 'jane.doe@example.com', password: 'correct horse battery staple' } },
    responses: {
      200: { description: 'Logged in', schema: loginAnswer },
      401: { description: 'Invalid credentials (the same answer for an unknown email and a wrong password)' },
      429: { description: 'Too many failures for this account, or for many accounts from this address; Retry-After and details.retry_after say when to try again' },
    },
    handler: login,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/auth/verify',
    summary: 'Check an access token and return its user',
    access: 'user',
    responses: { 200: { description: 'The token is valid', schema: userResponse.extend({ valid: z.literal(true) }) } },
    handler: verifyToken,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/auth/profile',
    summary: 'The caller’s account (its fields at the top level, as the Flask system answered, and under user)',
    access: 'user',
    responses: { 200: { description: 'The account', schema: profileView } },
    handler: showProfile,
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/auth/profile',
    summary: 'Change the caller’s username or email',
    access: 'user',
    body: profileChange,
    responses: { 200: { description: 'Updated', schema: userResponse } },
    handler: changeProfile,
  }),
  defineRoute({
    method: 'POST',
    path: '/api/auth/change-password',
    summary: 'Change the caller’s password; every other session ends',
    access: 'user',
    body: passwordChange,
    handler: changePassword,
  }),
];
