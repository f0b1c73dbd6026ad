// A cloud API on a real port (multipart uploads stream from the Node request) and small clients for
// it. `overrides` builds an app with other settings or another Temporal client, e.g. one that cannot
// reach any server.
import type { Client } from '@temporalio/client';
import { createCloudApp } from '../../api/cloud/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import type { Config } from '../../config/index.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

export interface CloudClient {
  base: string;
  api(method: string, path: string, token?: string, json?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  upload(token: string, files: Array<[string, string | Buffer]>, folderId?: number | null): Promise<{ status: number; body: any }>;
}

export async function startCloud(overrides: { config?: Partial<Config>; temporal?: Client } = {}): Promise<CloudClient> {
  const stack = await getStack();
  await ensureWorkers();
  const deps = stack.depsFor('cloud');
  const app = createCloudApp({ ...deps, config: { ...deps.config, ...overrides.config }, temporal: overrides.temporal ?? deps.temporal, guard: stack.guard });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  const base = server.url;

  const api: CloudClient['api'] = async (method, path, token, json, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(token && { authorization: `Bearer ${token}` }), ...(json !== undefined && { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const type = response.headers.get('content-type') ?? '';
    const body = type.includes('json') ? await response.json() : Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body };
  };

  const upload: CloudClient['upload'] = async (token, files, folderId) => {
    const form = new FormData();
    for (const [name, data] of files) form.append(files.length === 1 ? 'file' : 'files', new Blob([typeof data === 'string' ? data : new Uint8Array(data)]), name);
    if (folderId !== undefined) form.append('folder_id', String(folderId));
    const response = await fetch(`${base}/api/cloud/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as any };
  };

  return { base, api, upload };
}

/** A user id no other test uses. */
export const newUserId = () => 5_000_000 + Math.floor(Math.random() * 2_000_000_000);
