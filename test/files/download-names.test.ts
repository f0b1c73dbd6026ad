// A download is saved under a name that agrees with the type it is served as, in every download path:
// media (token and signed URL), cloud (token, signed URL, share link).
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMediaApp } from '../../api/media/app.js';
import { downloadName } from '../../api/shared/download-names.js';
import { startHttpServer } from '../../api/shared/server.js';
import { startCloud } from '../cloud/client.js';
import { tokenFor } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

const names = suite('download names');

/** The file name a browser takes from Content-Disposition (filename* wins). */
function savedAs(disposition: string | null): string {
  const encoded = /filename\*=UTF-8''([^;]+)/.exec(disposition ?? '')?.[1];
  assert.ok(encoded, `no filename* in ${disposition}`);
  return decodeURIComponent(encoded);
}

names('the name takes the served type’s extension where its own says something else', () => {
  const cases: Array<[string, string, string]> = [
    ['poly.html', 'image/png', 'poly.png'],
    ['poly.HTM', 'image/jpeg', 'poly.jpg'],
    ['photo.jpg', 'image/png', 'photo.png'],
    ['scan', 'image/png', 'scan.png'],
    ['scan.backup', 'image/png', 'scan.backup.png'],
    ['invoice.pdf.exe', 'application/pdf', 'invoice.pdf.pdf'],
    ['page.html', 'text/plain', 'page.txt'],
    ['Smile "front".PNG', 'image/png', 'Smile "front".PNG'],
    ['clip.m4v', 'video/mp4', 'clip.m4v'],
    ['page.html', 'text/html', 'page.html'],
    ['notes.log', 'text/plain', 'notes.log'],
    ['Makefile', 'text/plain', 'Makefile'],
    ['data.csv', 'application/vnd.ms-excel', 'data.csv'],
    ['tool.exe', 'application/octet-stream', 'tool.exe'],
    ['.html', 'image/png', '.html.png'],
  ];
  for (const [stored, type, expected] of cases) assert.is(downloadName(stored, type), expected, `${stored} as ${type}`);
});

names('media: a PNG uploaded as poly.html downloads as poly.png, with a token and by its signed URL', async () => {
  const stack = await getStack();
  await ensureWorkers();
  const server = await startHttpServer(createMediaApp({ ...stack.depsFor('media'), guard: stack.guard }), { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  const token = await tokenFor({ id: 7_300_000 + Math.floor(Math.random() * 100_000) });
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png)]), 'poly.html');
  const created = await fetch(`${server.url}/api/media/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const file = ((await created.json()) as { files: Array<{ id: number; mime_type: string; download_url: string }> }).files[0]!;
  assert.is(file.mime_type, 'image/png');

  const byToken = await fetch(`${server.url}/api/media/download/${file.id}`, { headers: { authorization: `Bearer ${token}` } });
  const bySignedUrl = await fetch(`${server.url}${file.download_url}`);
  for (const response of [byToken, bySignedUrl]) {
    assert.is(response.status, 200);
    assert.is(response.headers.get('content-type'), 'image/png');
    assert.is(savedAs(response.headers.get('content-disposition')), 'poly.png');
    assert.match(response.headers.get('content-disposition')!, /filename="poly\.png"/);
  }
});

names('cloud: a file declared image/png but named poly.html downloads as poly.png, by token, signed URL and share link', async () => {
  const cloud = await startCloud();
  const token = await tokenFor({ id: 7_400_000 + Math.floor(Math.random() * 100_000) });
  const form = new FormData();
  form.append('file', new Blob(['<html><script>alert(1)</script></html>'], { type: 'image/png' }), 'poly.html');
  const created = await fetch(`${cloud.base}/api/cloud/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const file = ((await created.json()) as { files: Array<{ id: number; download_url: string }> }).files[0]!;
  const link = (await cloud.api('POST', `/api/cloud/share/${file.id}`, token, { expires_in: 600 })).body.shared_link as string;

  const answers = [
    await fetch(`${cloud.base}/api/cloud/download/${file.id}`, { headers: { authorization: `Bearer ${token}` } }),
    await fetch(`${cloud.base}${file.download_url}`),
    await fetch(`${cloud.base}/api/cloud/shared/${link}`),
  ];
  for (const response of answers) {
    assert.is(response.status, 200);
    assert.is(response.headers.get('content-type'), 'image/png');
    assert.is(savedAs(response.headers.get('content-disposition')), 'poly.png', response.url);
  }
});

names.run();
