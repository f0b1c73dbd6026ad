// Folders: a tree per user. Deleting one hides the whole subtree at once and a workflow removes it.
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { listCloudFiles } from '../../../db/cloud/files.js';
import { breadcrumb, findCountedFolder, findFolder, insertFolder, isSelfOrDescendant, listFolders, lockOwnerTree, softDeleteTree, updateFolder } from '../../../db/cloud/folders.js';
import { conflict, invalidFields, notFound, unlessDuplicate } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { cloudFileView, folderView } from '../present.js';
import type { CloudContext } from '../services.js';
import { folderDeletionWorkflowId } from '../workflow-client.js';

/** A file or folder name, in Unicode NFC as uploads store names, so two names that look alike are one. */
export const entryName = z
  .string()
  .trim()
  .normalize('NFC')
  .min(1, 'is required')
  .refine((name) => Buffer.byteLength(name) <= 255, 'must be at most 255 bytes')
  .refine((name) => !name.includes('/') && !name.includes('\\'), 'must not contain / or \\')
  .refine((name) => name !== '.' && name !== '..', 'must not be . or ..')
  .refine((name) => !/[\u0000-\u001f]/.test(name), 'must not contain control characters');

/** A folder filter (`parent_id`, `folder_id`): empty or `null` → the root; absent → undefined; a number → that folder. */
export const folderOrRoot = z
  .union([z.literal(''), z.literal('null'), fields.id])
  .optional()
  .transform((value) => (value === '' || value === 'null' ? null : value));

const newFolder = z.object({
  name: entryName,
  parent_id: fields.id.nullable().optional(),
  owner_id: z.unknown().optional().describe('Accepted and ignored, as the Flask system’s clients send it: the owner is the caller'),
});
const folderListQuery = z.object({ parent_id: folderOrRoot });
const folderId = z.object({ id: fields.id });
const folderChange = z.object({ name: entryName.optional(), parent_id: fields.id.nullable().optional() });
const folderContents = z.object({
  folder: folderView,
  files: z.array(cloudFileView),
  subfolders: z.array(folderView),
  path: z.array(z.object({ id: z.number(), name: z.string() })),
});

const unlessNameTaken = <T>(work: Promise<T>) => unlessDuplicate(work, 'Something in that folder already has this name', { field: 'name' });

/** The caller's folder; 404, or 422 on `field` when it names the folder in a request's body. */
async function ownFolder(pool: DatabasePool, id: number, ownerId: number, field?: string) {
  const folder = await findFolder(pool, id, ownerId);
  if (!folder) throw field ? invalidFields({ [field]: ['no such folder of yours'] }) : notFound('No such folder');
  return folder;
}

async function createFolder({ services: { pool, presenter }, user, body, event }: CloudContext<{ access: 'user'; body: typeof newFolder }>) {
  if (body.parent_id) await ownFolder(pool, body.parent_id, user.id, 'parent_id');
  const folder = await unlessNameTaken(insertFolder(pool, { ownerId: user.id, parentId: body.parent_id ?? null, name: body.name }));
  event.res.status = 201;
  return { message: 'Folder created successfully', folder: presenter.folder(folder) };
}

async function listFolderTree({ services: { pool, presenter }, user, query }: CloudContext<{ access: 'user'; query: typeof folderListQuery }>) {
  return { folders: (await listFolders(pool, user.id, query.parent_id)).map(presenter.folder) };
}

async function showFolder({ services: { pool, presenter }, user, params }: CloudContext<{ access: 'user'; params: typeof folderId }>) {
  const folder = await findCountedFolder(pool, params.id, user.id);
  if (!folder) throw notFound('No such folder');
  const [subfolders, { files }, path] = await Promise.all([
    listFolders(pool, user.id, folder.id),
    listCloudFiles(pool, { ownerId: user.id, folderId: folder.id, page: 1, perPage: 1000 }),
    breadcrumb(pool, folder.id),
  ]);
  return { folder: presenter.folder(folder), files: files.map(presenter.file), subfolders: subfolders.map(presenter.folder), path };
}

async function changeFolder({ services: { pool, presenter }, user, params, body }: CloudContext<{ access: 'user'; params: typeof folderId; body: typeof folderChange }>) {
  await ownFolder(pool, params.id, user.id);
  const folder = await pool.transaction(async (transaction) => {
    // Checked and moved under the owner's tree lock: two crossing moves cannot both pass the check.
    await lockOwnerTree(transaction, user.id);
    if (body.parent_id) {
      if (!(await findFolder(transaction, body.parent_id, user.id))) throw invalidFields({ parent_id: ['no such folder of yours'] });
      if (await isSelfOrDescendant(transaction, params.id, body.parent_id)) {
        throw conflict('A folder cannot move into itself or one of its subfolders', { details: { reason: 'cycle' } });
      }
    }
    return unlessNameTaken(updateFolder(transaction, params.id, user.id, { name: body.name, parentId: body.parent_id }));
  });
  if (!folder) throw notFound('No such folder');
  return { message: 'Folder updated successfully', folder: presenter.folder(folder) };
}

async function deleteFolder({ services: { pool, workflows }, user, params, event }: CloudContext<{ access: 'user'; params: typeof folderId }>) {
  await ownFolder(pool, params.id, user.id);
  await pool.transaction(async (transaction) => {
    await lockOwnerTree(transaction, user.id);
    // A concurrent deletion of the same folder got here first.
    if ((await softDeleteTree(transaction, params.id)) === 0) throw notFound('No such folder');
    await workflows.deleteFolderTree({ id: params.id, ownerId: user.id });
  });
  event.res.status = 202;
  return { message: 'Folder deletion started', workflow_id: folderDeletionWorkflowId(params.id) };
}

export const folderRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/cloud/folders',
    summary: 'Create a folder (in parent_id, or at the root)',
    access: 'user',
    body: newFolder,
    responses: { 201: { description: 'Created', schema: z.object({ message: z.string(), folder: folderView }) }, 409: { description: 'A sibling has that name' } },
    example: { body: { name: 'Invoices', parent_id: null } },
    handler: createFolder,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/cloud/folders',
    summary: 'Your folders: all of them, the root ones (parent_id=null) or the children of one',
    access: 'user',
    query: folderListQuery,
    responses: { 200: { description: 'The folders', schema: z.object({ folders: z.array(folderView) }) } },
    example: { query: { parent_id: 'null' } },
    handler: listFolderTree,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/cloud/folder/:id',
    summary: 'A folder with its files, subfolders and the path to the root',
    access: 'user',
    params: folderId,
    responses: { 200: { description: 'The folder, what is directly in it (files: the first 1000 by name), and the path from the root to it', schema: folderContents } },
    handler: showFolder,
  }),
  defineRoute({ method: 'PATCH', path: '/api/cloud/folder/:id', summary: 'Rename or move a folder (never into itself or below itself)', access: 'user', params: folderId, body: folderChange, handler: changeFolder }),
  defineRoute({
    method: 'DELETE',
    path: '/api/cloud/folder/:id',
    summary: 'Delete a folder and everything in it: gone from listings at once, removed by a workflow',
    access: 'user',
    params: folderId,
    responses: { 202: { description: 'Hidden; the workflow removes it and frees its bytes' } },
    handler: deleteFolder,
  }),
];
