// A route is data: method, path, who may call it, the zod schemas of its input, and a handler that
// receives that input already validated. The same table registers the h3 routes, lists the
// endpoints at GET /api, and can generate API documentation and authorization tests.
//
// Route files are tables of named, top-level handler functions, so a stack trace or a search names
// the handler. A service builds what its handlers work with once, in its app.ts (pool, config, blob
// store, presenter, Temporal caller, …: its "services"), and every handler receives them beside the
// request's parsed input. Schemas are named constants, and a handler's parameter says which input it
// takes, through the service's context type (`CloudContext` = `HandlerContext<CloudServices, …>`):
//
//   const folderId = z.object({ id: fields.id });
//   const folderChange = z.object({ name: entryName.optional(), parent_id: fields.id.nullable().optional() });
//
//   async function changeFolder({ services, user, params, body }: CloudContext<{ access: 'user'; params: typeof folderId; body: typeof folderChange }>) {
//     …
//   }
//
//   export const folderRoutes = [
//     defineRoute({ method: 'PATCH', path: '/api/cloud/folder/:id', summary: '…', access: 'user', params: folderId, body: folderChange, handler: changeFolder }),
//   ];
//
// defineRoute checks that the handler's declared input is what the route's access and schemas give
// (a handler expecting a user on a public route, or another body, does not compile). A service's
// `<Service>AppDeps` (what its app factory is given), `<Service>Services` and `<Service>Context` live
// in its services.ts, so route files import them without an import cycle through app.ts.
import type { H3Event, HTTPMethod } from 'h3';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Principal } from '../../core/auth/access-tokens.js';

/** `public`: no token read. `optional`: a token is verified if sent. Others: at least that role. */
export type Access = 'public' | 'optional' | 'user' | 'staff' | 'admin';

type Input<S> = S extends z.ZodType ? z.output<S> : undefined;
type Caller<A extends Access> = A extends 'public' ? null : A extends 'optional' ? Principal | null : Principal;

export interface RouteContext<S, A extends Access, B, Q, P> {
  /** What the service built for its handlers once (see the top of this file). */
  services: S;
  event: H3Event;
  body: Input<B>;
  query: Input<Q>;
  params: Input<P>;
  user: Caller<A>;
  log: Logger;
}

/** What a route declares about its input: who may call it, and the schemas of its body, query and path. */
export interface RouteInput {
  access: Access;
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}

/** A handler's parameter: the service's services and the input a route declared in `I`. */
export type HandlerContext<S, I extends RouteInput> = RouteContext<S, I['access'], I['body'], I['query'], I['params']>;

/**
 * A request shown in the documentation and replayed by test/platform/openapi-examples.test.ts, which
 * checks the answer against the documented response schema. Ids in it name rows that other examples
 * create (the test substitutes the real ones); everything else must work as written.
 */
export interface RouteExample {
  /** The JSON body; for multipart routes, the form's text fields. */
  body?: Record<string, unknown>;
  /** Multipart routes: the file parts by field name, each with its file name, type and text content. */
  files?: Record<string, { name: string; type: string; content: string }>;
  /** Query and path parameters, typed as their schemas read them (a number where a number is parsed). */
  query?: Record<string, string | number | boolean>;
  params?: Record<string, string | number>;
}

export interface ResponseSpec {
  description: string;
  /** The JSON body's schema. */
  schema?: z.ZodType;
  /** Other forms the same answer can take (an HTML page, an iCalendar file), each documented as text. */
  mediaTypes?: string[];
}

export interface RouteDefinition<
  S = unknown,
  A extends Access = Access,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  P extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: Exclude<HTTPMethod, 'CONNECT' | 'TRACE' | 'QUERY'>;
  /** h3/rou3 path syntax: `/api/media/file/:id`. */
  path: string;
  summary: string;
  description?: string;
  access: A;
  body?: B;
  query?: Q;
  params?: P;
  /** Multipart and streaming routes read the body themselves (`body` is then not parsed). */
  rawBody?: boolean;
  /** Largest JSON body this route accepts; defaults to the service's BODY_LIMIT_BYTES. */
  bodyLimit?: number;
  /** Polled endpoints (health-like): successful calls are logged at debug level only. */
  quiet?: boolean;
  /**
   * Browser origins allowed to call this route, in place of the service's CORS_ORIGINS (so never `*`),
   * with credentials: for an endpoint one known web app calls, such as the Temporal Web UI's codec.
   */
  corsOrigins?: string[];
  /** Responses other than the errors every route can give, for the API documentation. */
  responses?: Record<number, ResponseSpec>;
  /** A request that works, for the documentation (see RouteExample). */
  example?: RouteExample;
  handler: (context: RouteContext<S, A, B, Q, P>) => unknown;
}

/** Keeps the route's types precise at its definition and erases them for the route table. */
export function defineRoute<
  S,
  A extends Access,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
>(route: RouteDefinition<S, A, B, Q, P>): AnyRoute<S> {
  return route as unknown as AnyRoute<S>;
}

// The table holds routes of many shapes; their handlers are only ever called with input parsed by
// their own schemas, which is what keeps this widening safe. The services stay typed: a table of one
// service's routes cannot be given another service's services.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute<S = any> = RouteDefinition<S, Access, any, any, any>;
