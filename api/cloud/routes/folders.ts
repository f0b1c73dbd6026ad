// Folders: a tree per user. Deleting one hides the whole subtree at once and a workflow removes it.
import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import { listCloudFiles } from '../../../db/cloud/files.js';
import { breadcrumb, findCountedFolder, findFolder, insertFolder, isSelfOrDescendant, listFolders, lockOwnerTree, softDeleteTree, updateFolder } from '../../../db/cloud/folders.js';
import { deleteFolderTreeWorkflow } from '../../../workflows/cloud.js';
import { FolderId, OwnerId } from '../../../workflows/search-attributes.js';
import { TASK_QUEUES } from '../../../workflows/task-queues.js';
import { conflict, invalidFields, notFound } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { withinDeadline } from '../../shared/temporal-calls.js';
import { fields } from '../../shared/validation.js';
import { urlSigningSecret } from '../../shared/url-signing-secret.js';
import type { CloudAppDeps } from '../app.js';
import { cloudFileView, createCloudPresenter, folderView } from '../present.js';

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

/** `parent_id=` or `null` → root; absent → undefined; a number → that folder. */
const parentFilter = z
  .union([z.literal(''), z.literal('null'), fields.id])
  .optional()
  .transform((value) => (value === '' || value === 'null' ? null : value));

function nameTaken(error: unknown): never {
  if (error instanceof UniqueIntegrityConstraintViolationError) throw conflict('Something in that folder already has this name', { details: { field: 'name' } });
  throw error;
}

export function folderRoutes(deps: CloudAppDeps) {
  const { pool, config } = deps;
  const temporal = deps.temporal!;
  const presenter = createCloudPresenter(urlSigningSecret(config), deps.guard);
  const mustOwn = async (id: number, ownerId: number, field?: string) => {
    const folder = await findFolder(pool, id, ownerId);
    if (!folder) throw field ? invalidFields({ [field]: ['no such folder of yours'] }) : notFound('No such folder');
    return folder;
  };

  return [
    defineRoute({
      method: 'POST',
      path: '/api/cloud/folders',
      summary: 'Create a folder (in parent_id, or at the root)',
      access: 'user',
      body: z.object({
        name: entryName,
        parent_id: fields.id.nullable().optional(),
        owner_id: z.unknown().optional().describe('Accepted and ignored, as the Flask system’s clients send it: the owner is the caller'),
      }),
      responses: { 201: { description: 'Created', schema: z.object({ message: z.string(), folder: folderView }) }, 409: { description: 'A sibling has that name' } },
      example: { body: { name: 'Invoices', parent_id: null } },
      handler: async ({ user, body, event }) => {
        if (body.parent_id) await mustOwn(body.parent_id, user.id, 'parent_id');
        const folder = await insertFolder(pool, { ownerId: user.id, parentId: body.parent_id ?? null, name: body.name }).catch(nameTaken);
        event.res.status = 201;
        return { message: 'Folder created successfully', folder: presenter.folder(folder) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cloud/folders',
      summary: 'Your folders: all of them, the root ones (parent_id=null) or the children of one',
      access: 'user',
      query: z.object({ parent_id: parentFilter }),
      responses: { 200: { description: 'The folders', schema: z.object({ folders: z.array(folderView) }) } },
      example: { query: { parent_id: 'null' } },
      handler: async ({ user, query }) => ({ folders: (await listFolders(pool, user.id, query.parent_id)).map(presenter.folder) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cloud/folder/:id',
      summary: 'A folder with its files, subfolders and the path to the root',
      access: 'user',
      params: z.object({ id: fields.id }),
      responses: {
        200: {
          description: 'The folder, what is directly in it (files: the first 1000 by name), and the path from the root to it',
          schema: z.object({
            folder: folderView,
            files: z.array(cloudFileView),
            subfolders: z.array(folderView),
            path: z.array(z.object({ id: z.number(), name: z.string() })),
          }),
        },
      },
      handler: async ({ user, params }) => {
        const folder = await findCountedFolder(pool, params.id, user.id);
        if (!folder) throw notFound('No such folder');
        const [subfolders, { files }, path] = await Promise.all([
          listFolders(pool, user.id, folder.id),
          listCloudFiles(pool, { ownerId: user.id, folderId: folder.id, page: 1, perPage: 1000 }),
          breadcrumb(pool, folder.id),
        ]);
        return { folder: presenter.folder(folder), files: files.map(presenter.file), subfolders: subfolders.map(presenter.folder), path };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/cloud/folder/:id',
      summary: 'Rename or move a folder (never into itself or below itself)',
      access: 'user',
      params: z.object({ id: fields.id }),
      body: z.object({ name: entryName.optional(), parent_id: fields.id.nullable().optional() }),
      handler: async ({ user, params, body }) => {
        await mustOwn(params.id, user.id);
        const folder = await pool.transaction(async (transaction) => {
          // Checked and moved under the owner's tree lock: two crossing moves cannot both pass the check.
          await lockOwnerTree(transaction, user.id);
          if (body.parent_id) {
            if (!(await findFolder(transaction, body.parent_id, user.id))) throw invalidFields({ parent_id: ['no such folder of yours'] });
            if (await isSelfOrDescendant(transaction, params.id, body.parent_id)) {
              throw conflict('A folder cannot move into itself or one of its subfolders', { details: { reason: 'cycle' } });
            }
          }
          return updateFolder(transaction, params.id, user.id, { name: body.name, parentId: body.parent_id }).catch(nameTaken);
        });
        if (!folder) throw notFound('No such folder');
        return { message: 'Folder updated successfully', folder: presenter.folder(folder) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/cloud/folder/:id',
      summary: 'Delete a folder and everything in it: gone from listings at once, removed by a workflow',
      access: 'user',
      params: z.object({ id: fields.id }),
      responses: { 202: { description: 'Hidden; the workflow removes it and frees its bytes' } },
      handler: async ({ user, params, event }) => {
        await mustOwn(params.id, user.id);
        const workflowId = `folder-delete-${params.id}`;
        await pool.transaction(async (transaction) => {
          await lockOwnerTree(transaction, user.id);
          // A concurrent deletion of the same folder got here first.
          if ((await softDeleteTree(transaction, params.id)) === 0) throw notFound('No such folder');
          await withinDeadline(temporal, config.TEMPORAL_REQUEST_TIMEOUT_MS, 'Folders cannot be deleted right now (the workflow service is unavailable); nothing was deleted', () =>
              temporal.workflow.start(deleteFolderTreeWorkflow, {
                workflowId,
                taskQueue: TASK_QUEUES.cloud,
                args: [{ folderId: params.id }],
                // The hiding commits when this start returns; let it land first.
                startDelay: '2 seconds',
                staticSummary: `Delete folder ${params.id} and everything in it`,
                typedSearchAttributes: [
                  { key: FolderId, value: String(params.id) },
                  { key: OwnerId, value: user.id },
                ],
              }),
          );
        });
        event.res.status = 202;
        return { message: 'Folder deletion started', workflow_id: workflowId };
      },
    }),
  ];
}
