import type { TenantCaller } from '../../lib/core/auth/caller.js'
import { PageQuery } from '../../lib/core/db/pagination.js'
import { tenantAccess } from '../../lib/core/http/access.js'
import { route } from '../../lib/core/http/route.js'
import { NoContent } from '../../lib/core/http/schemas.js'
import { driveMemberOf, spaceLevel } from '../../lib/drive/access.js'
import { downloadFor } from '../../lib/drive/files.js'
import {
  changeNode,
  createFolder,
  emptyTrash,
  getItem,
  listChildren,
  listTrash,
  purgeNode,
  restoreNode,
  setShares,
  sharedWithMe,
  trashNode,
} from '../../lib/drive/nodes.js'
import {
  ChangeBody,
  CompleteBody,
  DownloadSchema,
  DriveItemPage,
  DriveItemSchema,
  EmptyTrashSchema,
  FolderBody,
  ListQuery,
  NodeParams,
  SharesBody,
  SpaceQuery,
  SpacesSchema,
  UploadBody,
  UploadParams,
  UploadSchema,
} from '../../lib/drive/schemas.js'
import { completeUpload, startUpload } from '../../lib/drive/uploads.js'
import { quotaOf, usedBytes } from '../../lib/drive/usage.js'

const member = tenantAccess()
const tag = 'Drive'
const me = (req: { caller: TenantCaller }) => driveMemberOf(req.caller)
/** A 204's answer, once the use case is done. */
const done = async (work: Promise<unknown>) => {
  await work
  return undefined
}

export const routes = [
  route({
    operationId: 'driveSpaces',
    method: 'GET',
    path: '/v1/drive/spaces',
    summary:
      "The caller's spaces (the enterprise's, their own) and the tenant's drive usage against its quota",
    tag,
    access: member,
    response: SpacesSchema,
    handle: async (req) => {
      const m = await me(req)
      const [quota, used] = await Promise.all([quotaOf(req.caller), usedBytes(m.tenantId)])
      return {
        spaces: [
          {
            space: 'enterprise' as const,
            access: spaceLevel(m, 'e') === 'manage' ? ('manage' as const) : ('read' as const),
          },
          { space: 'personal' as const, access: 'manage' as const },
        ],
        usage: { used, quota },
      }
    },
  }),
  route({
    operationId: 'listDriveItems',
    method: 'GET',
    path: '/v1/drive/items',
    summary: "A folder's items (`parentId`) or a space's root (`space`): folders first, by name",
    tag,
    access: member,
    query: ListQuery,
    response: DriveItemPage,
    handle: async (req) => listChildren(await me(req), req.query),
  }),
  route({
    operationId: 'createDriveFolder',
    method: 'POST',
    path: '/v1/drive/folders',
    summary: 'A new folder in a space (at its root, or in `parentId`)',
    tag,
    access: member,
    body: FolderBody,
    response: DriveItemSchema,
    status: 201,
    handle: async (req) => createFolder(await me(req), req.body),
  }),
  route({
    operationId: 'getDriveItem',
    method: 'GET',
    path: '/v1/drive/items/{itemId}',
    summary: 'A file or folder the caller may read (its shares, to whoever manages it)',
    tag,
    access: member,
    params: NodeParams,
    response: DriveItemSchema,
    handle: async (req) => getItem(await me(req), req.params.itemId),
  }),
  route({
    operationId: 'changeDriveItem',
    method: 'PATCH',
    path: '/v1/drive/items/{itemId}',
    summary: 'Rename and/or move a file or folder within its space (never a folder below itself)',
    tag,
    access: member,
    params: NodeParams,
    body: ChangeBody,
    response: DriveItemSchema,
    handle: async (req) => changeNode(await me(req), req.params.itemId, req.body),
  }),
  route({
    operationId: 'trashDriveItem',
    method: 'DELETE',
    path: '/v1/drive/items/{itemId}',
    summary: "Move a file or folder (with everything in it) to its space's trash",
    tag,
    access: member,
    params: NodeParams,
    response: NoContent,
    status: 204,
    handle: async (req) => done(trashNode(await me(req), req.params.itemId)),
  }),
  route({
    operationId: 'shareDriveItem',
    method: 'PUT',
    path: '/v1/drive/items/{itemId}/shares',
    summary:
      'Who a file or folder is shared with (members, departments, groups; read or edit): the whole list',
    tag,
    access: member,
    params: NodeParams,
    body: SharesBody,
    response: DriveItemSchema,
    handle: async (req) => setShares(await me(req), req.params.itemId, req.body.shares),
  }),
  route({
    operationId: 'driveSharedWithMe',
    method: 'GET',
    path: '/v1/drive/shared',
    summary: 'Files and folders shared with the caller, their departments or their groups',
    tag,
    access: member,
    response: DriveItemPage,
    handle: async (req) => sharedWithMe(await me(req)),
  }),
  route({
    operationId: 'downloadDriveFile',
    method: 'GET',
    path: '/v1/drive/items/{itemId}/download',
    summary: "A five-minute address of a file's bytes, for a member who may read it",
    tag,
    access: member,
    params: NodeParams,
    response: DownloadSchema,
    handle: async (req) => downloadFor(await me(req), req.params.itemId),
  }),
  route({
    operationId: 'startDriveUpload',
    method: 'POST',
    path: '/v1/drive/uploads',
    summary: 'Reserve the quota for a file and get its presigned upload (one PUT, or a PUT per part)',
    tag,
    access: member,
    body: UploadBody,
    response: UploadSchema,
    status: 201,
    handle: async (req) => startUpload(await me(req), await quotaOf(req.caller), req.body),
  }),
  route({
    operationId: 'completeDriveUpload',
    method: 'POST',
    path: '/v1/drive/uploads/{uploadId}/complete',
    summary: 'Finish an upload once its bytes are sent: the file appears, counted at its real size',
    tag,
    access: member,
    params: UploadParams,
    body: CompleteBody,
    response: DriveItemSchema,
    handle: async (req) =>
      completeUpload(await me(req), await quotaOf(req.caller), req.params.uploadId, req.body),
  }),
  route({
    operationId: 'listDriveTrash',
    method: 'GET',
    path: '/v1/drive/trash',
    summary: "A space's trash (the caller's own; the enterprise's for drive admins), newest first",
    tag,
    access: member,
    query: PageQuery.extend(SpaceQuery.shape),
    response: DriveItemPage,
    handle: async (req) => listTrash(await me(req), req.query.space, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'restoreDriveItem',
    method: 'POST',
    path: '/v1/drive/trash/{itemId}/restore',
    summary: 'Bring an item back from the trash to its folder (or the root, if that folder is gone)',
    tag,
    access: member,
    params: NodeParams,
    response: DriveItemSchema,
    handle: async (req) => restoreNode(await me(req), req.params.itemId),
  }),
  route({
    operationId: 'purgeDriveItem',
    method: 'DELETE',
    path: '/v1/drive/trash/{itemId}',
    summary: 'Delete a trashed item for good (its bytes leave the usage)',
    tag,
    access: member,
    params: NodeParams,
    response: NoContent,
    status: 204,
    handle: async (req) => done(purgeNode(await me(req), req.params.itemId)),
  }),
  route({
    operationId: 'emptyDriveTrash',
    method: 'POST',
    path: '/v1/drive/trash/empty',
    summary: "Empty a space's trash, a batch per call (`more`: call again)",
    tag,
    access: member,
    body: SpaceQuery.strict(),
    response: EmptyTrashSchema,
    handle: async (req) => emptyTrash(await me(req), req.body.space),
  }),
]
