// The Flask system's keys on media answers mean what they meant there (FLASK_CONTRACT.md): plural
// categories, the same words as the type= filter; a stable stored filename; the owner as uploaded_by;
// one file at the top level as well as under `file`; stats per category with bytes and rounded MB.
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMediaApp } from '../../api/media/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { tokenFor } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

async function mediaServer() {
  const stack = await getStack();
  await ensureWorkers();
  const server = await startHttpServer(createMediaApp({ ...stack.depsFor('media'), guard: stack.guard }), { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  return server.url;
}

/** `seconds` of 8 kHz mono silence as a WAV file (16,000 bytes a second after its 44-byte header). */
function wav(seconds: number): Buffer {
  const data = Buffer.alloc(seconds * 16_000);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const fields = suite('media answers in the Flask system’s terms');

fields('files carry plural categories, a stored filename and their owner; stats count per category', async () => {
  const url = await mediaServer();
  const owner = 1_100_000 + Math.floor(Math.random() * 100_000);
  const token = await tokenFor({ id: owner });
  const call = async (path: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
  const image = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#123' } }).png().toBuffer();
  const sound = wav(100);
  const note = Buffer.from('Upper left molar: filling.\n');
  const kept = new FormData();
  for (const [data, name] of [[image, 'Smile.PNG'], [sound, 'chime.wav'], [note, 'notes.txt']] as const) kept.append('files', new Blob([new Uint8Array(data)]), name);
  kept.append('user_id', '23'); // as Flask clients send it: ignored, the owner is the caller
  const uploaded = (await (await fetch(`${url}/api/media/upload`, { method: 'POST', body: kept, headers: { authorization: `Bearer ${token}` } })).json()) as any;
  assert.equal(uploaded.uploaded_files, ['Smile.PNG', 'chime.wav', 'notes.txt'], 'the names as uploaded');
  assert.equal(
    uploaded.files.map((file: any) => [file.file_type, file.filename, file.original_filename, file.file_extension, file.file_size, file.uploaded_by, file.uploaded_at === file.created_at]),
    [
      ['images', `${uploaded.files[0].id}.png`, 'Smile.PNG', 'png', image.length, owner, true],
      ['audio', `${uploaded.files[1].id}.wav`, 'chime.wav', 'wav', sound.length, owner, true],
      ['documents', `${uploaded.files[2].id}.txt`, 'notes.txt', 'txt', note.length, owner, true],
    ],
  );
  for (const type of ['images', 'audio', 'documents', 'videos']) {
    const listed = (await call(`/api/media/files?type=${type}`)).files.filter((file: any) => file.uploaded_by === owner);
    assert.equal(listed.map((file: any) => file.file_type), type === 'videos' ? [] : [type], `type=${type} lists files whose file_type is ${type}`);
  }

  const one = await call(`/api/media/file/${uploaded.files[1].id}`);
  const { file: nested, ...top } = one;
  assert.equal(top, nested, 'the file at the top level, as Flask answered it, and under file');
  assert.equal([top.id, top.filename, top.file_type], [uploaded.files[1].id, `${uploaded.files[1].id}.wav`, 'audio']);

  const stats = await call('/api/media/stats');
  assert.equal(stats.stats_by_type, {
    images: { count: 1, size: image.length, size_mb: 0 },
    videos: { count: 0, size: 0, size_mb: 0 },
    audio: { count: 1, size: sound.length, size_mb: 1.53 },
    documents: { count: 1, size: note.length, size_mb: 0 },
  });
  const total = image.length + sound.length + note.length;
  assert.equal([stats.total_files, stats.total_size, stats.total_size_mb, stats.total_bytes, stats.by_type.audio], [3, total, 1.53, total, { files: 1, bytes: sound.length }]);
});

fields.run();
