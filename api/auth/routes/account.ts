// Accounts, as the Flask system's clients know them: register, login, verify, profile, change-password.
import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import { audit, markLoginAttemptSucceeded } from '../../../db/auth/security.js';
import { endSessions } from '../../../db/auth/sessions.js';
import {
  findUserById,
  findUserForLogin,
  findUserWithHash,
  insertUser,
  setPasswordHash,
  updateProfile,
} from '../../../db/auth/users.js';
import { ApiError, conflict, invalidFields, unauthorized } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { email, username } from '../account-fields.js';
import type { AuthContext } from '../app.js';
import { clientOf } from '../client-info.js';
import { createLoginThrottle, loginAccountKey } from '../login-throttle.js';
import { passwordProblems } from '../password-policy.js';
import { presentProfile, presentUser, profileView, userView } from '../present.js';

const userResponse = z.object({ message: z.string(), user: userView });

/** 409 naming the field whose value is taken (emails and usernames are unique regardless of case). */
function takenConflict(error: UniqueIntegrityConstraintViolationError): ApiError {
  const field = error.constraint === 'users_email_unique' ? 'email' : 'username';
  return conflict(`That ${field} is already registered`, { details: { field } });
}

function rejectWeakPassword(password: string, account: { email?: string; username?: string }, field = 'password') {
  const problems = passwordProblems(password, account);
  if (problems.length) throw invalidFields({ [field]: problems });
}

export function accountRoutes(context: AuthContext) {
  const { pool, passwords, tokens, config } = context;
  const throttle = createLoginThrottle(pool, config);

  return [
    defineRoute({
      method: 'POST',
      path: '/api/auth/register',
      summary: 'Create an account (role user)',
      access: 'public',
      body: z.object({ username, email, password: z.string() }),
      responses: { 201: { description: 'Account created', schema: userResponse }, 409: { description: 'That email or username is registered (details.field names which)' } },
      example: { body: { username: 'jane_doe', email: 'jane.doe@example.com', password: 'correct horse battery staple' } },
      handler: async ({ body, event }) => {
        rejectWeakPassword(body.password, body);
        const passwordHash = await passwords.hash(body.password);
        try {
          const user = await insertUser(pool, { username: body.username, email: body.email, passwordHash });
          await audit(pool, { event: 'register', userId: user.id, ...clientOf(event, config.TRUST_PROXY) });
          event.res.status = 201;
          return { message: 'User registered successfully', user: presentUser(user) };
        } catch (error) {
          if (error instanceof UniqueIntegrityConstraintViolationError) throw takenConflict(error);
          throw error;
        }
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/api/auth/login',
      summary: 'Log in with email (or username) and password; returns an access and a refresh token',
      access: 'public',
      body: z
        .object({ email: z.string().trim().max(254).optional(), username: z.string().trim().max(254).optional(), password: z.string().min(1).max(1024) })
        .refine((input) => input.email || input.username, { message: 'send email (or username)', path: ['email'] }),
      example: { body: { email: 'jane.doe@example.com', password: 'correct horse battery staple' } },
      responses: {
        200: {
          description: 'Logged in',
          schema: z.object({
            message: z.string(),
            token: z.string(),
            refresh_token: z.string(),
            expires_in: z.number(),
            token_type: z.literal('Bearer'),
            user: userView,
          }),
        },
        401: { description: 'Invalid credentials (the same answer for an unknown email and a wrong password)' },
        429: { description: 'Too many failures for this account, or for many accounts from this address; Retry-After and details.retry_after say when to try again' },
      },
      handler: async ({ body, event }) => {
        const identifier = (body.email || body.username)!;
        const client = clientOf(event, config.TRUST_PROXY);
        const ip = client.ip ?? 'unknown';
        const user = await findUserForLogin(pool, identifier);
        // The attempt is counted before the password is checked (see takeLoginAttempt).
        const attemptId = await throttle.take(loginAccountKey(user, identifier), client, { userId: user?.id ?? null, details: { identifier } });
        const check = await passwords.check(body.password, user?.password_hash ?? null);
        const refused = new ApiError(401, 'invalid_credentials', 'Invalid credentials');
        if (!user || !check.valid) {
          await audit(pool, { event: 'login_failed', userId: user?.id ?? null, ...client, details: { identifier } });
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
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/auth/verify',
      summary: 'Check an access token and return its user',
      access: 'user',
      responses: { 200: { description: 'The token is valid', schema: userResponse.extend({ valid: z.literal(true) }) } },
      handler: async ({ user }) => {
        const account = await findUserById(pool, user.id);
        if (!account || !account.is_active) throw unauthorized('This account no longer exists or is deactivated');
        return { message: 'Token is valid', valid: true, user: presentUser(account) };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/auth/profile',
      summary: 'The caller’s account (its fields at the top level, as the Flask system answered, and under user)',
      access: 'user',
      responses: { 200: { description: 'The account', schema: profileView } },
      handler: async ({ user }) => {
        const account = await findUserById(pool, user.id);
        if (!account) throw unauthorized('This account no longer exists');
        return presentProfile(account);
      },
    }),

    defineRoute({
      method: 'PUT',
      path: '/api/auth/profile',
      summary: 'Change the caller’s username or email',
      access: 'user',
      body: z.object({ username: username.optional(), email: email.optional() }),
      responses: { 200: { description: 'Updated', schema: userResponse } },
      handler: async ({ user, body, event }) => {
        try {
          const account = await updateProfile(pool, user.id, body);
          await audit(pool, { event: 'profile_updated', userId: user.id, ...clientOf(event, config.TRUST_PROXY), details: { fields: Object.keys(body) } });
          return { message: 'Profile updated successfully', user: presentUser(account) };
        } catch (error) {
          if (error instanceof UniqueIntegrityConstraintViolationError) throw takenConflict(error);
          throw error;
        }
      },
    }),

    defineRoute({
      method: 'POST',
      path: '/api/auth/change-password',
      summary: 'Change the caller’s password; every other session ends',
      access: 'user',
      body: z.object({ current_password: z.string().min(1).max(1024), new_password: z.string() }),
      handler: async ({ user, body, event }) => {
        const account = await findUserWithHash(pool, user.id);
        if (!account) throw unauthorized('This account no longer exists');
        const client = clientOf(event, config.TRUST_PROXY);
        // Guesses at the current password count like failed logins of the account (a stolen access
        // token must not become an unthrottled password oracle).
        const attemptId = await throttle.take(loginAccountKey(account, account.email), client, { userId: user.id });
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
      },
    }),
  ];
}
