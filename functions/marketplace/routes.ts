import * as z from 'zod'
import { bind, defineRoute, type RawResponse } from '../../lib/core/http/route.js'
import { welcomePage } from '../../lib/marketplace/aws/landing-page.js'
import { registerAwsBuyer } from '../../lib/marketplace/aws/register.js'
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

export const awsRegisterRoute = defineRoute({
  operationId: 'awsMarketplaceRegister',
  method: 'POST',
  path: '/v1/marketplace/aws/register',
  summary:
    'AWS Marketplace registration landing: resolves the buyer, opens their workbench (or finds it) and sends them on to sign in',
  tag: 'Marketplace',
  access: { public: true },
  form: true,
  body: z.object({
    'x-amzn-marketplace-token': z.string().min(1).max(4096),
    email: z.email().max(254).optional(),
    company: z.string().trim().max(200).optional(),
  }),
  response: z.string(),
  raw: true,
  errors: ['INVALID_STATE'],
})

export const routes = [
  bind(kooGalleryRoute, async (req) => ({ raw: true as const, ...(await handleKooGallery(req.query)) })),
  bind(awsRegisterRoute, async (req): Promise<RawResponse> => {
    const result = await registerAwsBuyer({
      token: req.body['x-amzn-marketplace-token'],
      email: req.body.email,
      company: req.body.company,
    })
    if (result.kind === 'existing')
      return { raw: true, status: 303, headers: { location: result.loginUrl }, body: '' }
    const { tenant, admin } = result.opened
    return {
      raw: true,
      status: 201,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: welcomePage({
        name: tenant.name,
        loginUrl: tenant.urls.userLogin,
        userName: admin.identifier,
        password: admin.initialPassword,
      }),
    }
  }),
]
