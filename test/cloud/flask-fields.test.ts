// The Flask system's keys on cloud answers mean what they meant there (FLASK_CONTRACT.md): folder
// counts follow what is in the folder, a file's is_shared/shared_link follow its live share link,
// filename is stable and sizes are the current version's, the stats count the caller's drive.
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tokenFor } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { newUserId, startCloud } from './client.js';

const fields = suite('cloud answers in the Flask system’s terms');

fields('folders count the live files and subfolders directly in them', async () => {
  const cloud = await startCloud();
  const token = await tokenFor({ id: newUserId() });
  const clinic = (await cloud.api('POST', '/api/cloud/folders', token, { name: 'Clinic', parent_id: null, owner_id: 23 })).body.folder;
  assert.equal([clinic.file_count, clinic.subfolder_count, clinic.is_shared], [0, 0, false]);
  const xrays = (await cloud.api('POST', '/api/cloud/folders', token, { name: 'X-rays', parent_id: clinic.id })).body.folder;
  const old = (await cloud.api('POST', '/api/cloud/folders', token, { name: 'Old', parent_id: clinic.id })).body.folder;
  await cloud.upload(token, [['a.txt', 'a'], ['b.txt', 'b']], clinic.id);
  await cloud.upload(token, [['c.txt', 'c']], xrays.id);
  await cloud.upload(token, [['a.txt', 'a, second version']], clinic.id);

  const root = (await cloud.api('GET', '/api/cloud/folders?parent_id=null', token)).body.folders;
  assert.equal(root.map((folder: any) => [folder.name, folder.file_count, folder.subfolder_count]), [['Clinic', 2, 2]], 'a new version is not another file');
  const detail = (await cloud.api('GET', `/api/cloud/folder/${clinic.id}`, token)).body;
  assert.equal([detail.folder.file_count, detail.folder.subfolder_count], [2, 2]);
  assert.equal(detail.subfolders.map((folder: any) => [folder.name, folder.file_count, folder.subfolder_count, folder.is_shared]), [['Old', 0, 0, false], ['X-rays', 1, 0, false]]);

  assert.is((await cloud.api('DELETE', `/api/cloud/file/${detail.files[0].id}`, token)).status, 200);
  assert.is((await cloud.api('DELETE', `/api/cloud/folder/${old.id}`, token)).status, 202);
  const renamed = (await cloud.api('PATCH', `/api/cloud/folder/${clinic.id}`, token, { name: 'Practice' })).body.folder;
  assert.equal([renamed.name, renamed.file_count, renamed.subfolder_count], ['Practice', 1, 1], 'deleted entries no longer count, at once');
});

fields('a file’s is_shared and shared_link follow the link that opens it now', async () => {
  const cloud = await startCloud();
  const { pools } = await getStack();
  const token = await tokenFor({ id: newUserId() });
  const uploaded = (await cloud.upload(token, [['plan.txt', 'the treatment plan']])).body.files[0];
  assert.equal([uploaded.is_shared, uploaded.shared_link], [false, null]);
  const fileNow = async (client = cloud) => (await client.api('GET', `/api/cloud/file/${uploaded.id}`, token)).body.file;
  const listed = async () => (await cloud.api('GET', '/api/cloud/files?folder_id=null', token)).body.files.find((file: any) => file.id === uploaded.id);

  const link = (await cloud.api('POST', `/api/cloud/share/${uploaded.id}`, token, { max_downloads: 1 })).body.shared_link;
  assert.equal([(await fileNow()).is_shared, (await fileNow()).shared_link], [true, link]);
  assert.equal([(await listed()).is_shared, (await listed()).shared_link], [true, link]);
  const opened = await cloud.api('GET', `/api/cloud/shared/${(await listed()).shared_link}`);
  assert.equal([opened.status, String(opened.body)], [200, 'the treatment plan'], 'the shown link opens the file');
  assert.equal([(await fileNow()).is_shared, (await fileNow()).shared_link], [false, null], 'its one download is used');

  const second = (await cloud.api('POST', `/api/cloud/share/${uploaded.id}`, token, {})).body.shared_link;
  const third = (await cloud.api('POST', `/api/cloud/share/${uploaded.id}`, token, { password: 'molar-2026' })).body.shared_link;
  assert.is((await fileNow()).shared_link, third, 'the newest open link');
  // A server whose secret changed cannot derive the token again: it says shared, but shows no wrong link.
  const rotated = await startCloud({ config: { URL_SIGNING_SECRET: 'another-secret-of-at-least-32-characters!' } });
  assert.equal([(await fileNow(rotated)).is_shared, (await fileNow(rotated)).shared_link], [true, null]);
  // Links made before tokens had seeds were shown once, at creation.
  await pools.cloud.query(sql.unsafe`update share_links set token_seed = null where file_id = ${uploaded.id}`);
  assert.equal([(await fileNow()).is_shared, (await fileNow()).shared_link], [true, null]);

  for (const revoked of [second, third]) assert.is((await cloud.api('DELETE', `/api/cloud/share/${revoked}`, token)).status, 200);
  assert.equal([(await fileNow()).is_shared, (await fileNow()).shared_link], [false, null], 'revoked');

  const fourth = (await cloud.api('POST', `/api/cloud/share/${uploaded.id}`, token, {})).body.shared_link;
  assert.is((await fileNow()).shared_link, fourth);
  await pools.cloud.query(sql.unsafe`update share_links set expires_at = now() - interval '1 second' where file_id = ${uploaded.id}`);
  assert.equal([(await fileNow()).is_shared, (await fileNow()).shared_link], [false, null], 'expired, whether or not its workflow marked it yet');
});

fields('filename is stable, sizes and times are the current version’s, stats count the caller’s drive', async () => {
  const cloud = await startCloud();
  const token = await tokenFor({ id: newUserId() });
  const folder = (await cloud.api('POST', '/api/cloud/folders', token, { name: 'Scans' })).body.folder;
  const first = (await cloud.upload(token, [['Scan.PDF.txt', Buffer.alloc(1000, 1)]], folder.id)).body.files[0];
  assert.equal([first.filename, first.original_filename, first.file_extension, first.file_size, first.file_size_mb, first.version], [`${first.id}.txt`, 'Scan.PDF.txt', 'txt', 1000, 0, 1]);
  assert.is(first.uploaded_at, first.created_at);
  const second = (await cloud.upload(token, [['Scan.PDF.txt', Buffer.alloc(1.5 * 1024 * 1024, 2)]], folder.id)).body.files[0];
  assert.equal([second.id, second.filename, second.version, second.file_size, second.file_size_mb], [first.id, first.filename, 2, 1.5 * 1024 * 1024, 1.5]);
  assert.equal([second.uploaded_at, second.modified_at > first.modified_at], [first.uploaded_at, true]);
  const plain = (await cloud.upload(token, [['README', 'no extension']])).body.files[0];
  assert.equal([plain.filename, plain.file_extension], [String(plain.id), '']);

  const stats = (await cloud.api('GET', '/api/cloud/stats', token)).body;
  const current = 1.5 * 1024 * 1024 + 'no extension'.length;
  assert.equal(
    [stats.total_files, stats.total_folders, stats.total_size, stats.total_size_mb, stats.total_size_gb, stats.used],
    [2, 1, current, 1.5, 0, current + 1000],
    'total_size is what the files are now; used also counts the kept older version',
  );
  const someoneElse = (await cloud.api('GET', '/api/cloud/stats', await tokenFor({ id: newUserId() }))).body;
  assert.equal([someoneElse.total_files, someoneElse.total_folders, someoneElse.total_size], [0, 0, 0]);
});

fields.run();
