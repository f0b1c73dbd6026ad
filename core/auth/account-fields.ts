// The rules for usernames and emails, shared by the HTTP routes and the users CLI.
import { z } from 'zod';

export const username = z.string().trim().regex(/^[A-Za-z0-9_.-]{3,32}$/, 'must be 3–32 characters: letters, digits, _ . or -');
export const email = z.string().trim().max(254, 'must be at most 254 characters').pipe(z.email('must be a valid email address'));
