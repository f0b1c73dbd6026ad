// zod's complaints grouped by field: the 422 answer's details.fields, and the users CLI's refusals.
import type { z } from 'zod';

/** Turns zod issues into `{ field: [messages] }`; issues about the whole object go under `_body`. */
export function fieldErrors(error: z.ZodError, root = '_body'): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : root;
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}
