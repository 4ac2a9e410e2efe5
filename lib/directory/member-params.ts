import * as z from 'zod'

/**
 * A member in a path, apart from the directory's API schemas (./schemas.ts) so another capability's
 * routes (an app's member attributes) name a member without building those.
 */
export const MemberIdParams = z.object({ memberId: z.string().regex(/^[0-9a-z]{10,40}$/, 'not a member id') })
