// The common shape of the four services: request ids, JSON access logs, CORS, the info and health
// endpoints, route registration from a route table, JSON errors for everything (405/404 included),
// and nothing that can turn a bad request into a 500 or an HTML page.
import { randomUUID } from 'node:crypto';
import { H3, type H3Config, type H3Event } from 'h3';
import { addRoute, createRouter, findAllRoutes, findRoute } from 'rou3';
import type { Config } from '../../config/index.js';
import type { AuthGuard } from './auth-guard.js';
import { docsAsset, docsPage, isDocsAsset } from './docs-page.js';
import { ApiError, classifyError, notFound, serviceUnavailable } from './errors.js';
import type { HealthReport } from './health.js';
import type { ServiceDeps } from './runtime.js';
import type { Logger } from '../../core/logger.js';
import { createHttpMetrics } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import type { AnyRoute } from './route.js';
import { withTimeLimit } from './time-limit.js';
import { parseBody, parseParams, parseQuery } from './validation.js';

export interface ServiceAppOptions<S = unknown> {
  /** Short name used in logs and health: `media`. */
  service: string;
  /** Human name: `Qhitz Media API`. */
  title: string;
  version: string;
  logger: Logger;
  guard: AuthGuard;
  routes: AnyRoute<S>[];
  /** What the service built once for its handlers; each receives it as `services`. */
  services?: S;
  health: () => Promise<HealthReport>;
  corsOrigins: string[];
  bodyLimit: number;
  /**
   * The longest a route's handler may take before the answer is a 503 (uploads, which read their own
   * body for minutes, excepted). Slow queries end at the statement timeout, but a database that stops
   * answering altogether (a frozen host, a black-holed network) would otherwise hold requests forever.
   */
  handlerTimeoutMs: number;
}

const stuck = () => serviceUnavailable('This request could not finish in time: a service it needs is not answering');

/** The handler deadline for a service's settings: the longest query, plus waiting for a connection. */
export const handlerTimeoutFor = (config: Pick<Config, 'DATABASE_STATEMENT_TIMEOUT_MS' | 'DATABASE_CONNECT_TIMEOUT_MS'>) =>
  config.DATABASE_STATEMENT_TIMEOUT_MS + config.DATABASE_CONNECT_TIMEOUT_MS + 1000;

/** The app options every service takes from its deps alike (its guard: the remote one or auth's own). */
export function settingsFromDeps(deps: Pick<ServiceDeps, 'config' | 'logger' | 'health'>, guard: AuthGuard) {
  return {
    logger: deps.logger,
    guard,
    health: deps.health,
    corsOrigins: deps.config.corsOrigins,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    handlerTimeoutMs: handlerTimeoutFor(deps.config),
  } satisfies Partial<ServiceAppOptions>;
}

const REQUEST_ID = /^[\w.-]{1,128}$/;
// x-namespace: the Temporal Web UI sends it to the codec endpoint.
const CORS_ALLOWED_HEADERS = 'authorization, content-type, range, if-none-match, if-range, x-request-id, x-share-password, x-namespace';
const CORS_EXPOSED_HEADERS = 'content-disposition, content-length, content-range, etag, retry-after, x-request-id';

/** Per-request bookkeeping. The child logger is made on first use: most requests never need it. */
class RequestState {
  readonly startedAt = performance.now();
  #log: Logger | undefined;

  constructor(
    readonly requestId: string,
    private readonly parent: Logger,
  ) {}

  get log(): Logger {
    this.#log ??= this.parent.child({ requestId: this.requestId });
    return this.#log;
  }
}

/** The endpoints every service has besides its own routes. */
const BUILT_IN_ROUTES: Array<Pick<AnyRoute, 'method' | 'path' | 'summary' | 'access'>> = [
  { method: 'GET', path: '/api', summary: 'Service name, version and endpoints', access: 'public' },
  { method: 'GET', path: '/api/health', summary: 'Whether the service and its dependencies are up', access: 'public' },
  { method: 'GET', path: '/api/openapi.json', summary: 'This API as an OpenAPI 3.1 document', access: 'public' },
  { method: 'GET', path: '/api/docs', summary: 'Readable API reference', access: 'public' },
  { method: 'GET', path: '/metrics', summary: 'Request counts and latencies for Prometheus', access: 'public' },
];

type HttpMetrics = ReturnType<typeof createHttpMetrics>;

export function createServiceApp<S>(options: ServiceAppOptions<S>): H3 {
  const metrics = createHttpMetrics(options.service);
  const app = new H3({
    // Errors are logged once, by onError, as structured JSON.
    silent: true,
    ...requestLifecycle(options, knownPathsOf(options), metrics),
  });

  // Answer CORS preflights before any route (they carry no token).
  app.use((event) => {
    if (event.req.method === 'OPTIONS' && event.req.headers.get('access-control-request-method')) {
      const headers = new Headers(event.res.headers);
      headers.set('access-control-allow-methods', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
      headers.set('access-control-allow-headers', CORS_ALLOWED_HEADERS);
      headers.set('access-control-max-age', '600');
      return new Response(null, { status: 204, headers });
    }
    return undefined;
  });

  addBuiltInRoutes(app, options, metrics);
  addServiceRoutes(app, options);
  answerUnmatched(app, [...BUILT_IN_ROUTES, ...options.routes]);
  return app;
}

/** Request ids, access logs, metrics and JSON errors: the hooks around every request. */
function requestLifecycle(
  options: Pick<ServiceAppOptions, 'logger' | 'corsOrigins'>,
  knownPaths: KnownPaths,
  metrics: HttpMetrics,
): Pick<H3Config, 'onRequest' | 'onResponse' | 'onError'> {
  const { logger } = options;
  const serviceCors = serviceCorsOf(options);
  return {
    onRequest(event) {
      const incoming = event.req.headers.get('x-request-id');
      const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      const state = new RequestState(requestId, logger);
      event.context.request = state;
      event.res.headers.set('x-request-id', requestId);
      // Preflights and 405s reach no handler: their CORS policy is chosen by path here, and they are
      // logged by pattern too (a path can hold a secret: a share link's token, the codec's secret).
      const known = findRoute(knownPaths, '', event.url.pathname)?.data;
      if (known) event.context.routePath = known.pattern;
      event.context.cors = known?.cors ?? serviceCors;
      applyCors(event, event.res.headers, event.context.cors as CorsPolicy);
    },
    onResponse(response, event) {
      const state = event.context.request as RequestState | undefined;
      if (!state) return;
      const seconds = (performance.now() - state.startedAt) / 1000;
      metrics.observe(event.req.method, (event.context.routePath as string | undefined) ?? 'unmatched', response.status, seconds);
      const entry = {
        method: event.req.method,
        path: loggedPath(event),
        status: response.status,
        ms: Math.round(seconds * 10_000) / 10,
        user: (event.context.principal as { id?: number } | null | undefined)?.id,
      };
      // Load balancers and other services poll some routes constantly; keep them out of the normal log level.
      const quiet = event.context.quiet && response.status < 400;
      if (quiet ? logger.isLevelEnabled('debug') : logger.isLevelEnabled('info')) {
        state.log[quiet ? 'debug' : 'info'](entry, 'request');
      }
    },
    onError(error, event) {
      const apiError = classifyError(error);
      const state = event.context.request as RequestState | undefined;
      const log = state?.log ?? logger;
      if (apiError.status === 500) log.error({ err: error.cause ?? error }, 'unhandled error');
      else if (apiError.status === 503) log.warn({ err: error.cause ?? error }, 'dependency unavailable');
      const headers = new Headers(apiError.headers ?? undefined);
      if (state) headers.set('x-request-id', state.requestId);
      applyCors(event, headers, (event.context.cors as CorsPolicy | undefined) ?? serviceCors);
      if (apiError.status === 405) headers.set('allow', String((apiError.details?.allowed as string[]).join(', ')));
      return Response.json(apiError.toBody(), { status: apiError.status, headers });
    },
  };
}

/** The service's info, health, OpenAPI document, reference page and metrics. */
function addBuiltInRoutes<S>(app: H3, options: ServiceAppOptions<S>, metrics: HttpMetrics): void {
  const endpoints = [...BUILT_IN_ROUTES, ...options.routes];
  let openApiDocument: Record<string, unknown> | undefined;
  const info = () => ({
    message: `${options.title} is running`,
    service: options.service,
    version: options.version,
    endpoints: endpoints.map((route) => ({
      method: route.method,
      path: route.path,
      summary: route.summary,
      // Who may call it: public, optional (a token or a signed URL), or at least user / staff / admin.
      access: route.access,
    })),
  });
  // Load balancers and monitors often probe with HEAD: every built-in GET answers it too.
  const getAndHead = (path: string, handler: (event: H3Event) => unknown) => {
    app.get(path, handler);
    app.on('HEAD', path, handler);
  };
  getAndHead('/', (event) => {
    event.context.routePath = '/';
    return info();
  });
  getAndHead('/api', (event) => {
    event.context.routePath = '/api';
    return info();
  });

  getAndHead('/api/openapi.json', (event) => {
    event.context.routePath = '/api/openapi.json';
    openApiDocument ??= buildOpenApiDocument({ title: options.title, version: options.version, routes: endpoints });
    return openApiDocument;
  });
  getAndHead('/api/docs', (event) => {
    event.context.routePath = '/api/docs';
    return docsPage(options.title);
  });
  getAndHead('/api/docs/:asset', (event) => {
    const asset = event.context.params?.asset ?? '';
    if (!isDocsAsset(asset)) throw notFound();
    event.context.routePath = '/api/docs/:asset';
    return docsAsset(asset);
  });
  getAndHead('/metrics', async (event) => {
    event.context.routePath = '/metrics';
    event.context.quiet = true;
    return new Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } });
  });
  getAndHead('/api/health', (event) => healthAnswer(event, options));
}

async function healthAnswer(event: H3Event, options: Pick<ServiceAppOptions, 'service' | 'logger' | 'health'>) {
  event.context.routePath = '/api/health';
  event.context.quiet = true;
  const report = await options.health();
  event.res.status = report.healthy ? 200 : 503;
  // The probes' own messages can name hosts, ports and database users: they go to the log, and the
  // public answer says only which dependency is down.
  if (!report.healthy) options.logger.warn({ errors: report.errors }, 'health check failed');
  return {
    status: report.healthy ? 'healthy' : 'unhealthy',
    service: options.service,
    ...report.dependencies,
    ...(report.healthy ? {} : { errors: Object.fromEntries(Object.keys(report.errors).map((name) => [name, 'unreachable; details are in the service log'])) }),
    timestamp: new Date().toISOString(),
  };
}

/** The route table: each request checked for its caller and input, then handed to the handler with the services. */
function addServiceRoutes<S>(app: H3, options: ServiceAppOptions<S>): void {
  const { guard, services } = options;
  for (const route of options.routes) {
    const handle = async (event: H3Event) => {
      const log = (event.context.request as RequestState).log;
      event.context.routePath = route.path;
      if (route.quiet) event.context.quiet = true;
      const user =
        route.access === 'public'
          ? null
          : route.access === 'optional'
            ? await guard.optionalUser(event)
            : route.access === 'user'
              ? await guard.requireUser(event)
              : await guard.requireRole(event, route.access);
      const params = route.params ? parseParams(event, route.params) : undefined;
      const query = route.query ? parseQuery(event, route.query) : undefined;
      const body =
        route.body && !route.rawBody ? await parseBody(event, route.body, route.bodyLimit ?? options.bodyLimit) : undefined;
      const handled = route.handler({ services: services as S, event, body, query, params, user, log });
      return route.rawBody ? handled : withTimeLimit(handled, options.handlerTimeoutMs, stuck);
    };
    app.on(route.method, route.path, handle);
    // Browsers, players and download managers ask HEAD before GET; Node sends no body for HEAD.
    if (route.method === 'GET') app.on('HEAD', route.path, handle);
  }
}

/** Anything unmatched: 405 when the path exists with other methods, else 404 — always JSON. */
function answerUnmatched(app: H3, routes: ReadonlyArray<Pick<AnyRoute, 'method' | 'path'>>): void {
  const methodsByPath = createRouter<string>();
  for (const route of routes) {
    addRoute(methodsByPath, '', route.path, route.method);
    if (route.method === 'GET') addRoute(methodsByPath, '', route.path, 'HEAD');
  }
  app.all('/**', (event) => {
    const allowed = findAllRoutes(methodsByPath, '', event.url.pathname).map((match) => match.data);
    if (allowed.length) {
      throw new ApiError(405, 'method_not_allowed', `${event.req.method} is not allowed here`, {
        details: { allowed: [...new Set(allowed)] },
      });
    }
    throw notFound(`No route for ${event.req.method} ${event.url.pathname}`);
  });
}

/** Which browser origins may call a path; `credentials`: they may send cookies (never with `*`). */
interface CorsPolicy {
  origins: string[];
  credentials: boolean;
}

const serviceCorsOf = (options: Pick<ServiceAppOptions, 'corsOrigins'>): CorsPolicy => ({ origins: options.corsOrigins, credentials: false });

/** What is known of a path before any handler runs: its pattern and its CORS policy. */
type KnownPaths = ReturnType<typeof createRouter<{ pattern: string; cors: CorsPolicy }>>;

function knownPathsOf(options: { corsOrigins: string[]; routes: ReadonlyArray<Pick<AnyRoute, 'path' | 'corsOrigins'>> }): KnownPaths {
  const serviceCors = serviceCorsOf(options);
  const knownPaths: KnownPaths = createRouter();
  for (const route of BUILT_IN_ROUTES) addRoute(knownPaths, '', route.path, { pattern: route.path, cors: serviceCors });
  for (const route of options.routes) {
    const cors = route.corsOrigins ? { origins: route.corsOrigins, credentials: true } : serviceCors;
    addRoute(knownPaths, '', route.path, { pattern: route.path, cors });
  }
  return knownPaths;
}

function applyCors(event: H3Event, headers: Headers, policy: CorsPolicy): void {
  const origin = event.req.headers.get('origin');
  if (!origin || policy.origins.length === 0) return;
  if (policy.origins.includes('*') && !policy.credentials) {
    headers.set('access-control-allow-origin', '*');
  } else if (policy.origins.includes(origin)) {
    headers.set('access-control-allow-origin', origin);
    headers.append('vary', 'origin');
    if (policy.credentials) headers.set('access-control-allow-credentials', 'true');
  } else {
    return;
  }
  headers.set('access-control-expose-headers', CORS_EXPOSED_HEADERS);
}

/**
 * The path as logged: a share link's token is a bearer secret (anyone with the URL gets the file), and
 * so is the codec endpoint's `:secret`, so they stay placeholders; other parameters (ids) are filled in.
 */
function loggedPath(event: H3Event): string {
  const route = event.context.routePath as string | undefined;
  const params = (event.context.params ?? {}) as Record<string, string>;
  if (!route) return event.url.pathname;
  return route.replace(/:(\w+)/g, (placeholder, name: string) => (/token|secret/i.test(name) || params[name] === undefined ? placeholder : params[name]!));
}
