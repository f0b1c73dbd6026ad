// One slonik pool per service database. Type parsers are chosen so every value a query returns
// can go straight into a JSON response: ids as numbers, money as exact decimal strings, times as
// ISO 8601 strings. Rows are checked against the query's zod schema when it has one.
import { createHash } from 'node:crypto';
import { createPool, type DatabasePool, type Interceptor, SchemaValidationError } from 'slonik';

export interface PoolOptions {
  maximumPoolSize?: number;
  connectionTimeoutMs?: number;
  statementTimeoutMs?: number;
}

const typeParsers = [
  // Identity columns are bigint; ours stay far below 2^53, and a BigInt would make JSON.stringify throw.
  { name: 'int8', parse: (value: string) => Number(value) },
  // numeric is money and other exact quantities: keep the exact text, never a float.
  { name: 'numeric', parse: (value: string) => value },
  { name: 'timestamptz', parse: (value: string) => toIsoString(value) },
  { name: 'timestamp', parse: (value: string) => value },
  { name: 'date', parse: (value: string) => value },
];

/** PostgreSQL's text for a UTC instant, e.g. `2026-11-25 08:44:39.460123+00`. */
const UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * ISO 8601 with milliseconds, as Date#toISOString writes it. A server in UTC (ours) sends exactly that
 * up to punctuation, so it is rewritten as text: V8's parser for this non-ISO format cost 4% of a
 * browse request. Other offsets, BC dates and infinities take the general path.
 */
export function toIsoString(value: string): string {
  const utc = UTC_TIMESTAMP.exec(value);
  if (utc) return `${utc[1]}T${utc[2]}.${(utc[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  if (value === 'infinity' || value === '-infinity') return value;
  return new Date(value).toISOString();
}

/** Validates each row with the schema given to `sql.type(schema)`, so a query's type is a checked fact. */
const rowSchemaInterceptor: Interceptor = {
  name: 'qhitz-row-schema',
  transformRowAsync: async (queryContext, query, row) => {
    const schema = queryContext.resultParser;
    if (!schema) return row;
    const result = await schema['~standard'].validate(row);
    if (result.issues) throw new SchemaValidationError(query, row, result.issues);
    return result.value as typeof row;
  },
};

/**
 * Names every statement after its text, so each pooled connection parses and plans a query shape once
 * and then only binds and executes it (PostgreSQL keeps a generic plan once it is as good as a fresh
 * one). Planning was most of a browse query's cost. The number of names is bounded: our SQL text never
 * embeds values (those are parameters), only a fixed set of optional filters.
 */
const preparedStatementInterceptor: Interceptor = {
  name: 'qhitz-prepared-statements',
  transformQuery: (_context, query) => ({ ...query, name: `q${createHash('sha1').update(query.sql).digest('base64url')}` }),
};

export async function createDatabasePool(url: string, options: PoolOptions = {}): Promise<DatabasePool> {
  return createPool(url, {
    maximumPoolSize: options.maximumPoolSize ?? 10,
    connectionTimeout: options.connectionTimeoutMs ?? 2000,
    statementTimeout: options.statementTimeoutMs ?? 30_000,
    idleTimeout: 30_000,
    // A failed query is reported, not silently replayed: writes must not run twice.
    queryRetryLimit: 0,
    transactionRetryLimit: 0,
    typeParsers,
    interceptors: [rowSchemaInterceptor, preparedStatementInterceptor],
    // slonik's default sends DISCARD ALL each time a connection goes back to the pool: a second round
    // trip for every query, and it would drop the prepared statements above. Our code leaves no session
    // state behind (no SET, LISTEN or temporary tables; the session advisory locks in withBlobLock and
    // migrate are released in a finally), so there is nothing to discard.
    resetConnection: async () => {},
  });
}
