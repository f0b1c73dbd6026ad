// The one place that turns an account row into the JSON the auth API answers. Its fields are named one
// by one, so a password hash (or any column added later) never reaches an answer by accident.
import { z } from 'zod';
import { type User, userRow } from '../../db/auth/users.js';

export const userView = userRow.meta({ id: 'User' });

/**
 * The profile: the Flask system answered the account's fields at the top level, Qhitz under `user`;
 * both are there.
 */
export const profileView = userRow.extend({ user: userView });

export function presentUser(user: User): z.output<typeof userView> {
  const { id, username, email, role, created_at, last_login, is_active } = user;
  return { id, username, email, role, created_at, last_login, is_active };
}

export function presentProfile(user: User): z.output<typeof profileView> {
  const shown = presentUser(user);
  return { ...shown, user: shown };
}
