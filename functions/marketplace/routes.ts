import * as z from 'zod'
import { bind, defineRoute } from '../../lib/core/http/route.js'
import { handleKooGallery } from '../../lib/marketplace/koogallery/handle.js'

export const kooGalleryRoute = defineRoute({
  operationId: 'kooGallery',
  method: 'GET',
  path: '/v1/marketplace/koogallery',
  summary:
    'KooGallery SaaS production interface (V1): newInstance, refreshInstance, expireInstance, releaseInstance, upgrade, queryInstance. Authenticated by authToken; answers carry Body-Sign',
  tag: 'Marketplace',
  access: { public: true },
  // The protocol validates its own parameters and answers in its own format (resultCode).
  query: z.record(z.string(), z.string()),
  response: z.object({
    resultCode: z.string(),
    resultMsg: z.string(),
    instanceId: z.string().optional(),
    encryptType: z.string().optional(),
    appInfo: z.record(z.string(), z.string()).optional(),
  }),
  raw: true,
})

export const routes = [
  bind(kooGalleryRoute, async (req) => ({ raw: true as const, ...(await handleKooGallery(req.query)) })),
]
