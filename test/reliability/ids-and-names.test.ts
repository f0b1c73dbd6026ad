// Ids are plain decimal digits in every service's paths and queries (Number() also reads 0x10 and
// 1e3), names are one Unicode form wherever they enter, and a multipart body without its boundary is
// told so instead of "interrupted".
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getServices } from './services.js';

const test = suite('ids and names');

/** Other spellings Number() reads as `id`. */
const spellingsOf = (id: number) => [`0x${id.toString(16)}`, `${id}e0`, `${id}.0`, `+${id}`, `%20${id}`, `0b${id.toString(2)}`];

test('a path id that is not plain digits names nothing (404), in all four services', async () => {
  const services = await getServices();
  const owner = await services.login('user');
  const staff = await services.login('staff');
  const admin = await services.login('admin');

  const form = new FormData();
  form.append('file', new Blob(['digits only']), 'id.txt');
  const cloudFile = (await services.request('cloud', 'POST', '/api/cloud/upload', { token: owner.token, body: form })).body.files[0];
  const mediaForm = new FormData();
  mediaForm.append('file', new Blob(['digits only\n']), 'id.txt');
  const mediaFile = (await services.request('media', 'POST', '/api/media/upload', { token: owner.token, body: mediaForm })).body.files[0];
  const patient = (await services.request('dental', 'POST', '/api/dental/patients', { token: staff.token, json: { first_name: 'Ida', last_name: 'Digits', email: `ida.${Date.now()}@example.com`, phone: '+1 555 0199' } })).body.patient;

  const targets = [
    { service: 'cloud', method: 'GET', path: (id: string) => `/api/cloud/file/${id}`, id: cloudFile.id as number, token: owner.token },
    { service: 'media', method: 'GET', path: (id: string) => `/api/media/file/${id}`, id: mediaFile.id as number, token: owner.token },
    { service: 'dental', method: 'GET', path: (id: string) => `/api/dental/patient/${id}`, id: patient.id as number, token: staff.token },
    // Changing nothing: the role the account already has.
    { service: 'auth', method: 'PUT', path: (id: string) => `/api/auth/users/${id}`, id: owner.id, token: admin.token, json: { role: 'user' } },
  ] as const;
  for (const target of targets) {
    const json = 'json' in target ? target.json : undefined;
    const plain = await services.request(target.service, target.method, target.path(String(target.id)), { token: target.token, json });
    assert.is(plain.status, 200, `${target.service} ${target.path(String(target.id))}: ${plain.text.slice(0, 200)}`);
    for (const spelling of spellingsOf(target.id)) {
      const answer = await services.request(target.service, target.method, target.path(spelling), { token: target.token, json });
      assert.equal([answer.status, answer.body?.error], [404, 'not_found'], `${target.service} ${target.path(spelling)}: ${answer.text.slice(0, 200)}`);
    }
  }
});

test('a query id or page that is not plain digits is 422 naming the field', async () => {
  const services = await getServices();
  const owner = await services.login('user');
  const staff = await services.login('staff');
  const folder = (await services.request('cloud', 'POST', '/api/cloud/folders', { token: owner.token, json: { name: `ids ${Math.random()}` } })).body.folder;
  const patient = (await services.request('dental', 'POST', '/api/dental/patients', { token: staff.token, json: { first_name: 'Quin', last_name: 'Query', email: `quin.${Date.now()}@example.com`, phone: '+1 555 0198' } })).body.patient;

  assert.is((await services.request('cloud', 'GET', `/api/cloud/files?folder_id=${folder.id}`, { token: owner.token })).status, 200);
  for (const spelling of spellingsOf(folder.id)) {
    const answer = await services.request('cloud', 'GET', `/api/cloud/files?folder_id=${spelling}`, { token: owner.token });
    assert.is(answer.status, 422, `folder_id=${spelling}: ${answer.text.slice(0, 200)}`);
    assert.ok(answer.body.details.fields.folder_id, JSON.stringify(answer.body));
  }
  assert.is((await services.request('dental', 'GET', `/api/dental/treatments?patient_id=${patient.id}`, { token: staff.token })).status, 200);
  const hex = await services.request('dental', 'GET', `/api/dental/treatments?patient_id=0x${patient.id.toString(16)}`, { token: staff.token });
  assert.equal([hex.status, Object.keys(hex.body.details.fields)], [422, ['patient_id']]);
  const page = await services.request('media', 'GET', '/api/media/files?page=1e0&per_page=2e1', { token: owner.token });
  assert.equal([page.status, Object.keys(page.body.details.fields).sort()], [422, ['page', 'per_page']]);
  // A multipart field too: 0x… in folder_id named a folder.
  const form = new FormData();
  form.append('file', new Blob(['hex folder']), 'hex.txt');
  form.append('folder_id', `0x${folder.id.toString(16)}`);
  const upload = await services.request('cloud', 'POST', '/api/cloud/upload', { token: owner.token, body: form });
  assert.equal([upload.status, Object.keys(upload.body.details?.fields ?? {})], [422, ['folder_id']]);
});

test('folder and file names are stored in NFC whichever way they enter, so look-alikes collide', async () => {
  const services = await getServices();
  const owner = await services.login('user');
  const composed = 'Caf\u00e9';
  const decomposed = 'Cafe\u0301';
  const created = await services.request('cloud', 'POST', '/api/cloud/folders', { token: owner.token, json: { name: decomposed } });
  assert.is(created.status, 201, created.text);
  assert.is(created.body.folder.name, composed);
  const twin = await services.request('cloud', 'POST', '/api/cloud/folders', { token: owner.token, json: { name: composed } });
  assert.is(twin.status, 409, 'the same name, however it was typed');

  const other = (await services.request('cloud', 'POST', '/api/cloud/folders', { token: owner.token, json: { name: 'Other' } })).body.folder;
  const renamed = await services.request('cloud', 'PATCH', `/api/cloud/folder/${other.id}`, { token: owner.token, json: { name: decomposed } });
  assert.is(renamed.status, 409, `a folder renamed to a look-alike: ${renamed.text.slice(0, 200)}`);

  const form = new FormData();
  form.append('file', new Blob(['menu']), `${composed}.txt`);
  form.append('file', new Blob(['notes']), 'notes.txt');
  const uploaded = (await services.request('cloud', 'POST', '/api/cloud/upload', { token: owner.token, body: form })).body.files;
  const notes = uploaded.find((file: { name: string }) => file.name === 'notes.txt');
  const fileRenamed = await services.request('cloud', 'PATCH', `/api/cloud/file/${notes.id}`, { token: owner.token, json: { name: `${decomposed}.txt` } });
  assert.is(fileRenamed.status, 409, `a file renamed to a look-alike: ${fileRenamed.text.slice(0, 200)}`);
  const moved = await services.request('cloud', 'PATCH', `/api/cloud/file/${notes.id}`, { token: owner.token, json: { name: `${decomposed} 2.txt` } });
  assert.is(moved.body.file.name, `${composed} 2.txt`);
});

test('a multipart body without a boundary is a 400 that says so, in media and cloud', async () => {
  const services = await getServices();
  const owner = await services.login('user');
  const body = '--b\r\ncontent-disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--b--\r\n';
  for (const [service, path] of [['media', '/api/media/upload'], ['cloud', '/api/cloud/upload']] as const) {
    for (const contentType of ['multipart/form-data', 'multipart/form-data; charset=utf-8', 'multipart/form-data; boundary=']) {
      const answer = await services.request(service, 'POST', path, { token: owner.token, body, headers: { 'content-type': contentType } });
      assert.equal([answer.status, answer.body.error], [400, 'bad_request'], `${service} ${contentType}: ${answer.text.slice(0, 200)}`);
      assert.match(answer.body.message, /boundary/, answer.body.message);
    }
  }
});

test.run();
