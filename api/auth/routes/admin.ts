// Administration: find accounts, change roles, deactivate, read the audit trail. Admins only.
import { z } from 'zod';
import { audit, auditRow, listAuditEvents } from '../../../db/auth/security.js';
import { endSessions } from '../../../db/auth/sessions.js';
import { findUserById, listUsers, ROLES, updateAccount, userRow } from '../../../db/auth/users.js';
import { conflict, notFound } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { clientOf } from '../client-info.js';
import type { AuthContext } from '../services.js';

const userListQuery = z.object({ q: fields.search.optional(), page: fields.page, per_page: fields.perPage(100, 20) });
const userId = z.object({ id: fields.id });
const accountChange = z
  .object({ role: z.enum(ROLES).optional(), is_active: z.boolean().optional() })
  .refine((body) => body.role !== undefined || body.is_active !== undefined, { message: 'send role and/or is_active' });
const auditQuery = z.object({
  user_id: fields.id.optional(),
  event: z.string().max(64).optional(),
  page: fields.page,
  per_page: fields.perPage(200, 50),
});

async function listAccounts({ services: { pool }, query }: AuthContext<{ access: 'admin'; query: typeof userListQuery }>) {
  const { users, total } = await listUsers(pool, { search: query.q, page: query.page, perPage: query.per_page });
  return pageOf('users', users, total, query);
}

async function changeAccount({ services: { pool, config }, user, params, body, event }: AuthContext<{ access: 'admin'; params: typeof userId; body: typeof accountChange }>) {
  if (params.id === user.id && (body.is_active === false || (body.role && body.role !== 'admin'))) {
    throw conflict('Admins cannot deactivate or demote themselves; ask another admin', { details: { reason: 'self_lockout' } });
  }
  const before = await findUserById(pool, params.id);
  if (!before) throw notFound('No such user');
  const after = (await updateAccount(pool, params.id, { role: body.role, isActive: body.is_active }))!;
  // Tokens carry the role: end the sessions so an old role or a deactivated account stops working now.
  const reason = !after.is_active && before.is_active ? 'deactivated' : after.role !== before.role ? 'role_changed' : null;
  const ended = reason ? await endSessions(pool, { userId: params.id }, reason, config.ACCESS_TOKEN_TTL_SECONDS) : [];
  await audit(pool, {
    event: 'account_changed',
    userId: params.id,
    actorId: user.id,
    ...clientOf(event, config.TRUST_PROXY),
    details: { role: [before.role, after.role], is_active: [before.is_active, after.is_active], sessions_ended: ended.length },
  });
  return { message: 'User updated', user: after };
}

async function listAudit({ services: { pool }, query }: AuthContext<{ access: 'admin'; query: typeof auditQuery }>) {
  const { events, total } = await listAuditEvents(pool, { userId: query.user_id, event: query.event, page: query.page, perPage: query.per_page });
  return pageOf('events', events, total, query);
}

export const adminRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/auth/users',
    summary: 'List accounts, searchable by username or email',
    access: 'admin',
    query: userListQuery,
    responses: { 200: { description: 'One page of accounts', schema: pageSchema('users', userRow) } },
    handler: listAccounts,
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/auth/users/:id',
    summary: 'Change an account’s role or deactivate/reactivate it (its sessions end)',
    access: 'admin',
    params: userId,
    body: accountChange,
    handler: changeAccount,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/auth/audit',
    summary: 'Audit trail: logins, failures, refreshes, password changes, session ends, role changes',
    access: 'admin',
    query: auditQuery,
    responses: { 200: { description: 'One page of events, newest first', schema: pageSchema('events', auditRow) } },
    handler: listAudit,
  }),
];
