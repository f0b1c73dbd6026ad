// A readable API reference at GET /api/docs: Swagger UI from npm, served by the service itself (no
// CDN: staff machines and CI may have no internet).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;
export type DocsAsset = keyof typeof ASSETS;

const cache = new Map<DocsAsset, Promise<Buffer>>();

export function isDocsAsset(name: string): name is DocsAsset {
  return Object.hasOwn(ASSETS, name);
}

export async function docsAsset(name: DocsAsset): Promise<Response> {
  if (!cache.has(name)) cache.set(name, readFile(join(assetsDir, name)));
  return new Response(new Uint8Array(await cache.get(name)!), {
    headers: { 'content-type': ASSETS[name], 'cache-control': 'public, max-age=86400' },
  });
}

export function docsPage(title: string): Response {
  const html = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title.replace(/[<>&"]/g, '')} — API reference</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
  <div id="reference"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script>SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#reference', deepLinking: true });</script>
</body>
</html>`;
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
}
