import { $remove, PutTransaction, UpdateTransaction } from 'dynamodb-toolbox'
import { auditWrite } from '../core/audit.js'
import { nowIso } from '../core/clock.js'
import { transaction } from '../core/db/transaction.js'
import { log } from '../core/log.js'
import { assertOwnedMedia } from '../media/owned-media.js'
import type { BrandingInput, BrandingView } from './api-schemas.js'
import { type BrandingTarget, brandingView, levelOf } from './branding.js'
import { BrandingEntity, brandingOwner } from './entities.js'
import { BRANDING_FIELDS, BRANDING_IMAGE_FIELDS } from './schemas.js'

/*
 * Apart from the reads (branding.ts): a write checks uploaded images with S3, which the sign-in
 * pages, reading branding only, must not load.
 */

const summary = (input: BrandingInput, mode: 'replace' | 'merge') => {
  const given = BRANDING_FIELDS.filter((f) => input[f] !== undefined && input[f] !== null)
  const cleared = BRANDING_FIELDS.filter((f) => input[f] === null)
  return mode === 'replace'
    ? `replaced set=${given.join(',') || 'none'}`
    : [given.length ? `set=${given.join(',')}` : '', cleared.length ? `cleared=${cleared.join(',')}` : '']
        .filter(Boolean)
        .join(' ')
}

/**
 * Writes a level's branding. `replace` (PUT): the level sets exactly the fields given; `merge`
 * (PATCH): fields given change, `null` clears one, the others stay. A tenant's change is audited
 * in its audit log, in the same transaction; the platform and industries keep no audit log yet,
 * so their item records who changed it last and when, and the change is logged (ids only).
 */
export const writeBranding = async (
  t: BrandingTarget,
  input: BrandingInput,
  mode: 'replace' | 'merge',
  actorId: string,
): Promise<BrandingView> => {
  const owner = brandingOwner(levelOf(t))
  await Promise.all(
    BRANDING_IMAGE_FIELDS.flatMap((f) => {
      const url = input[f]
      return typeof url === 'string' ? [assertOwnedMedia(levelOf(t), url, `body.${f}`)] : []
    }),
  )
  const stamp = { owner, updatedAt: nowIso(), updatedBy: actorId }
  const detail = summary(input, mode)
  if (mode === 'merge' && detail === '') return brandingView(t)
  const write =
    mode === 'replace'
      ? BrandingEntity.build(PutTransaction).item({
          ...stamp,
          ...Object.fromEntries(BRANDING_FIELDS.flatMap((f) => (input[f] ? [[f, input[f]]] : []))),
        })
      : BrandingEntity.build(UpdateTransaction).item({
          ...stamp,
          ...Object.fromEntries(
            BRANDING_FIELDS.flatMap((f) =>
              input[f] === undefined ? [] : [[f, input[f] === null ? $remove() : input[f]]],
            ),
          ),
        })
  const tx = transaction().add('branding', write)
  if (t.level === 'tenant') {
    tx.add('audit', auditWrite(t.tenant, { actorId, action: 'branding.updated', detail }))
  }
  await tx.run()
  if (t.level !== 'tenant') {
    log.info('branding updated', {
      level: t.level,
      industry: t.level === 'industry' ? t.industry : undefined,
      actorId,
      detail,
    })
  }
  return brandingView(t)
}
