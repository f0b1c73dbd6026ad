// The multipart parser and the scratch file uploads are written to, without a server: whatever way
// a body is cut into chunks, the same parts come out with the same bytes; a file's size and SHA-256
// are those of what was written.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { boundaryOf, MalformedMultipart, MultipartParser, type PartHeaders } from '../../api/shared/multipart.js';
import { ScratchFile } from '../../api/shared/scratch-file.js';

const test = suite('multipart parser and scratch files');

interface Part {
  headers: PartHeaders;
  data: Buffer;
}

/** Parses `body` fed in the given chunk sizes (cycled); returns the parts and whether the body closed. */
function parse(body: Buffer, boundary: string, chunkSizes: number[] = [body.length]): { parts: Part[]; finished: boolean } {
  const parser = new MultipartParser(boundary, 1024);
  const parts: Part[] = [];
  let data: Buffer[] = [];
  for (let at = 0, index = 0; at < body.length; index++) {
    const size = chunkSizes[index % chunkSizes.length]!;
    for (const event of parser.write(body.subarray(at, at + size))) {
      if (event.type === 'part') parts.push({ headers: event.headers, data: Buffer.alloc(0) });
      else if (event.type === 'data') data.push(Buffer.from(event.data)); // copied: a chunk's views must not be relied on later
      else {
        parts.at(-1)!.data = Buffer.concat(data);
        data = [];
      }
    }
    at += size;
  }
  return { parts, finished: parser.finished };
}

const boundary = 'XyZ-boundary-42';
const file = (field: string, name: string, content: Buffer, type = 'application/octet-stream') =>
  Buffer.concat([Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${field}"; filename="${name}"\r\ncontent-type: ${type}\r\n\r\n`), content, Buffer.from('\r\n')]);
const field = (name: string, value: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
const close = Buffer.from(`--${boundary}--\r\n`);

// Content that nearly holds the delimiter, in every way that could confuse a search across chunks.
const tricky = Buffer.concat([
  Buffer.from(`\r\n--${boundary.slice(0, -1)}`),
  randomBytes(5000),
  Buffer.from(`\r\r\n-\r\n--\r\n--${boundary.slice(0, 5)}\r`),
  Buffer.from(`--${boundary}`), // without the CRLF before it, it is data
  Buffer.from('\r\n\r\n'),
  Buffer.from(`\r\n--${boundary.slice(0, 8)}`),
]);

const body = Buffer.concat([
  Buffer.from('a preamble that is ignored\r\n'),
  field('description', 'Zähne, "links"'),
  file('file', 'x-ray.png', tricky, 'image/png'),
  file('files', 'empty.bin', Buffer.alloc(0)),
  field('tags', ''),
  file('files', 'Röntgen \\"links\\".bin', randomBytes(70_000)),
  close,
  Buffer.from('an epilogue, ignored too'),
]);

test('every way of cutting the body into chunks gives the same parts', () => {
  const whole = parse(body, boundary);
  assert.ok(whole.finished);
  assert.equal(
    whole.parts.map((part) => [part.headers.field, part.headers.fileName, part.headers.contentType]),
    [
      ['description', null, null],
      ['file', 'x-ray.png', 'image/png'],
      ['files', 'empty.bin', 'application/octet-stream'],
      ['tags', null, null],
      ['files', 'Röntgen "links".bin', 'application/octet-stream'],
    ],
  );
  assert.is(whole.parts[0]!.data.toString(), 'Zähne, "links"');
  assert.ok(whole.parts[1]!.data.equals(tricky), 'data that nearly holds the delimiter is kept whole');
  assert.is(whole.parts[2]!.data.length, 0);
  const expected = whole.parts.map((part) => createHash('sha256').update(part.data).digest('hex'));
  for (const sizes of [[1], [2], [3], [7], [16], [17, 1, 64], [4096], [65_536], [20, 65_536, 3]]) {
    const cut = parse(body, boundary, sizes);
    assert.ok(cut.finished, `chunks of ${sizes}`);
    assert.equal(cut.parts.map((part) => createHash('sha256').update(part.data).digest('hex')), expected, `chunks of ${sizes}`);
  }
});

test('a cut at every byte of the delimiter region finds the same parts', () => {
  const small = Buffer.concat([field('a', '1'), file('f', 'f.bin', Buffer.from('\r\n--\r')), close]);
  const reference = parse(small, boundary).parts.map((part) => part.data.toString('latin1'));
  for (let cut = 1; cut < small.length; cut++) {
    const parts = parse(small, boundary, [cut, small.length]).parts.map((part) => part.data.toString('latin1'));
    assert.equal(parts, reference, `cut at ${cut}`);
  }
});

test('a body without its closing boundary is not finished', () => {
  assert.not.ok(parse(Buffer.concat([field('a', '1'), file('f', 'f.bin', Buffer.from('data'))]), boundary).finished);
});

test('oversized part headers and parts that are not form-data are refused', () => {
  const huge = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="a"\r\nx-padding: ${'p'.repeat(5000)}\r\n\r\nvalue\r\n--${boundary}--`);
  assert.throws(() => parse(huge, boundary, [100]), (error: Error) => error instanceof MalformedMultipart);
  const nameless = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data\r\n\r\nvalue\r\n--${boundary}--`);
  assert.throws(() => parse(nameless, boundary), (error: Error) => error instanceof MalformedMultipart);
});

test('the boundary is read from the Content-Type, quoted or not', () => {
  assert.is(boundaryOf('multipart/form-data; boundary=----WebKitFormBoundaryA1b2'), '----WebKitFormBoundaryA1b2');
  assert.is(boundaryOf('multipart/form-data; charset=utf-8; boundary="with space"'), 'with space');
  assert.is(boundaryOf('multipart/form-data'), null);
});

test('a scratch file holds what was written, and knows its size and SHA-256', async () => {
  const folder = await mkdtemp(join(process.env.QHITZ_TEST_SCRATCH ?? '/tmp', 'scratch-file-'));
  try {
    const content = randomBytes(3 * 1024 * 1024 + 17);
    let rooms = 0;
    const file = new ScratchFile(join(folder, 'a'), 256 * 1024, () => rooms++);
    let paused = false;
    for (let at = 0; at < content.length; at += 65_536) {
      if (paused) await new Promise((resolve) => setTimeout(resolve, 1)); // a paused reader waits for onRoom
      paused = !file.write(content.subarray(at, at + 65_536));
    }
    const { size, sha256 } = await file.finish();
    assert.is(size, content.length);
    assert.is(sha256, createHash('sha256').update(content).digest('hex'));
    assert.ok((await readFile(join(folder, 'a'))).equals(content));

    const empty = new ScratchFile(join(folder, 'b'), 1024, () => {});
    assert.equal(await empty.finish(), { size: 0, sha256: createHash('sha256').digest('hex') });

    const dropped = new ScratchFile(join(folder, 'c'), 1024, () => {});
    dropped.write(content.subarray(0, 100_000));
    await dropped.abandon();
    assert.throws(() => dropped.write(Buffer.from('more')));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test.run();
