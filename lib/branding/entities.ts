import { Entity, item, string } from 'dynamodb-toolbox'
import { table } from '../core/db/table.js'
import { type Level, levelPartition } from '../core/levels.js'

/** Whose branding: the platform's defaults, an industry's, or one tenant's. */
export type BrandingLevel = Level

/** Each level's item lives in its level's partition (levelPartition), with sort key `BRANDING`. */
export const brandingOwner = levelPartition

/**
 * One level's sign-in page branding: only the fields it sets (a field absent inherits), who changed
 * it last and when. Values are checked by BrandingSchema on the way in and again on the way out.
 */
export const BrandingEntity = new Entity({
  name: 'Branding',
  table,
  timestamps: false,
  schema: item({
    owner: string().key(),
    siteLogo: string().optional(),
    siteName: string().optional(),
    platformLogo: string().optional(),
    platformName: string().optional(),
    loginTitle: string().optional(),
    background: string().optional(),
    footerImage: string().optional(),
    updatedAt: string(),
    /** `account:<accountId>` of the administrator, or `seed` */
    updatedBy: string(),
  }),
  computeKey: ({ owner }: { owner: string }) => ({ PK: owner, SK: 'BRANDING' }),
})
