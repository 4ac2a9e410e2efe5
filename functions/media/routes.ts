import type { Permission } from '../../lib/core/auth/permissions.js'
import { forbidden } from '../../lib/core/errors.js'
import { type Access, industryAccess, platformAccess, tenantAccess } from '../../lib/core/http/access.js'
import { type LevelName, ownLevel } from '../../lib/core/http/own-level.js'
import { type CallerFor, route } from '../../lib/core/http/route.js'
import type { Level } from '../../lib/core/levels.js'
import type { TenantContext } from '../../lib/core/tenancy.js'
import { MAX_MEDIA_BYTES, type MediaPurpose, UploadBody, UploadSchema } from '../../lib/media/schemas.js'
import { createUpload } from '../../lib/media/uploads.js'

const WHOSE = {
  platform: 'the platform',
  industry: "the caller's industry",
  tenant: "the caller's tenant",
} as const

/** Who may upload what in a tenant: the permission of the field the image is for. */
const UPLOAD_PERMISSION: Record<MediaPurpose, Permission> = {
  branding: 'portal.write',
  'portal-banner': 'portal.write',
  'news-cover': 'content.write',
}

/**
 * A presigned upload of one image to the caller's own level (from the token). The answer's `url`
 * is what a branding field (later a news cover, a portal banner) is then set to.
 */
const uploadRoute = <A extends Access>(
  level: LevelName,
  access: A,
  levelOf: (req: CallerFor<A>) => Level,
) => {
  const { base, name, who } = ownLevel(level, access, WHOSE)
  return route({
    operationId: `create${name}Upload`,
    method: 'POST',
    path: `${base}/uploads`,
    summary: `A presigned browser upload of one image (png, jpeg, webp, gif; at most ${MAX_MEDIA_BYTES} bytes) for ${who}`,
    tag: 'Uploads',
    access,
    body: UploadBody,
    response: UploadSchema,
    status: 201,
    handle: async (req) => {
      const tenant = (req as { tenant?: TenantContext }).tenant
      const needed = UPLOAD_PERMISSION[req.body.purpose]
      if (tenant && !tenant.actor.permissions.includes(needed)) {
        throw forbidden(`an upload for ${req.body.purpose} needs the permission ${needed}`)
      }
      return createUpload(levelOf(req), req.body)
    },
  })
}

/**
 * Uploads have a function of their own: presigning needs the S3 client, which the functions that
 * only store an upload's address (branding, news) check without (lib/media/owned-media.ts).
 */
export const routes = [
  uploadRoute('platform', platformAccess(), () => ({ level: 'platform' })),
  uploadRoute('industry', industryAccess(), (req) => ({ level: 'industry', industry: req.caller.industry })),
  uploadRoute('tenant', tenantAccess(), (req) => ({ level: 'tenant', tenantId: req.tenant.tenantId })),
]
