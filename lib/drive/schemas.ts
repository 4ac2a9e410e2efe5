import * as z from 'zod'
import { page } from '../core/db/pagination.js'
import { Id, Iso } from '../core/http/schemas.js'
import { MAX_FILE_BYTES, MAX_PARTS, MAX_SHARES } from './rules.js'

export const SPACES = ['enterprise', 'personal'] as const
export const SpaceName = z.enum(SPACES)
export type SpaceName = z.infer<typeof SpaceName>

/**
 * A node id: `e` + an id (the enterprise space) or `p` + the owner's member id + an id (a personal
 * space). Any id-like string passes validation; one of another shape is simply not found.
 */
export const NodeId = z.string().regex(/^[0-9a-z]{10,60}$/, 'not a valid drive item id')

/** A file or folder name: one path segment, no control characters, no slashes. */
export const NodeName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .refine(
    (s) => !/[/\\\p{Cc}]/u.test(s) && s !== '.' && s !== '..',
    'not a valid name (no slashes or control characters)',
  )

export const ACCESS = ['read', 'edit'] as const
export const ShareAccess = z.enum(ACCESS)
export type ShareAccess = z.infer<typeof ShareAccess>

export const ShareSchema = z
  .object({
    to: z.object({ kind: z.enum(['member', 'department', 'group']), id: Id }).strict(),
    access: ShareAccess,
  })
  .strict()
  .meta({ id: 'DriveShare' })
export type Share = z.infer<typeof ShareSchema>

export const SharesBody = z
  .object({ shares: z.array(ShareSchema).max(MAX_SHARES) })
  .strict()
  .meta({ id: 'DriveSharesInput' })

export const DriveItemSchema = z
  .object({
    id: NodeId,
    kind: z.enum(['file', 'folder']),
    space: SpaceName,
    /** the folder it is in; absent: the space's root */
    parentId: NodeId.optional(),
    name: z.string(),
    size: z.number().int().optional(),
    contentType: z.string().optional(),
    version: z.number().int().optional(),
    createdBy: z.string(),
    createdAt: Iso,
    updatedAt: Iso,
    trashedAt: Iso.optional(),
    /** what the caller may do: read, edit, or manage (edit and share; the owner, a drive admin) */
    access: z.enum(['read', 'edit', 'manage']),
    /** shown to those who manage it */
    shares: z.array(ShareSchema).optional(),
  })
  .meta({ id: 'DriveItem' })
export type DriveItem = z.infer<typeof DriveItemSchema>
export const DriveItemPage = page(DriveItemSchema).meta({ id: 'DriveItemPage' })

export const SpaceQuery = z.object({ space: SpaceName })
export const ListQuery = z
  .object({
    space: SpaceName.optional(),
    /** the folder listed; absent: the root of `space` */
    parentId: NodeId.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(2048).optional(),
  })
  .refine((q) => q.space !== undefined || q.parentId !== undefined, {
    message: 'name a space or a folder',
    path: ['space'],
  })

export const NodeParams = z.object({ itemId: NodeId })
export const UploadParams = z.object({ uploadId: NodeId })

export const FolderBody = z
  .object({ space: SpaceName, parentId: NodeId.optional(), name: NodeName })
  .strict()
  .meta({ id: 'DriveFolderInput' })

export const ChangeBody = z
  .object({
    name: NodeName.optional(),
    /** the folder to move into; null: the space's root */
    parentId: NodeId.nullable().optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.parentId !== undefined, {
    message: 'give a name or a parentId',
    path: ['name'],
  })
  .meta({ id: 'DriveChangeInput' })

export const UploadBody = z
  .object({
    space: SpaceName,
    parentId: NodeId.optional(),
    name: NodeName,
    size: z.number().int().min(0).max(MAX_FILE_BYTES),
    contentType: z
      .string()
      .max(255)
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'a media type such as application/pdf')
      .default('application/octet-stream'),
  })
  .strict()
  .meta({ id: 'DriveUploadInput' })
export type UploadRequest = z.infer<typeof UploadBody>

export const UploadSchema = z
  .object({
    uploadId: NodeId,
    /** one PUT of the whole file (with the Content-Type asked for), or a PUT of each part in order */
    method: z.enum(['single', 'multipart']),
    url: z.string().optional(),
    parts: z
      .array(z.object({ partNumber: z.number().int(), url: z.string(), size: z.number().int() }))
      .optional(),
    partBytes: z.number().int().optional(),
    expiresAt: Iso,
  })
  .meta({ id: 'DriveUpload' })
export type Upload = z.infer<typeof UploadSchema>

export const CompleteBody = z
  .object({
    /** a multipart upload's parts, each with the ETag its PUT answered (none for a single PUT) */
    parts: z
      .array(
        z
          .object({ partNumber: z.number().int().min(1).max(MAX_PARTS), etag: z.string().min(1).max(200) })
          .strict(),
      )
      .max(MAX_PARTS)
      .optional(),
  })
  .strict()
  .meta({ id: 'DriveUploadCompletion' })
export type Completion = z.infer<typeof CompleteBody>

export const DownloadSchema = z.object({ url: z.string(), expiresAt: Iso }).meta({ id: 'DriveDownload' })

export const UsageSchema = z
  .object({ used: z.number().int(), quota: z.number().int() })
  .meta({ id: 'DriveUsage' })

export const SpacesSchema = z
  .object({
    spaces: z.array(z.object({ space: SpaceName, access: z.enum(['read', 'manage']) })),
    usage: UsageSchema,
  })
  .meta({ id: 'DriveSpaces' })

export const EmptyTrashSchema = z
  .object({ purged: z.number().int(), more: z.boolean() })
  .meta({ id: 'DriveTrashEmptied' })
