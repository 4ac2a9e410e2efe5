import * as z from 'zod'
import { publicAccess } from '../../lib/core/http/access.js'
import { redirect, representation, route } from '../../lib/core/http/route.js'
import { welcomePage } from '../../lib/marketplace/aws/landing-page.js'
import { registerAwsBuyer } from '../../lib/marketplace/aws/register.js'
import { AnswerV2Schema, RequestV2Schema } from '../../lib/marketplace/koogallery/activities-v2.js'
import { handleKooGallery } from '../../lib/marketplace/koogallery/handle.js'
import { handleKooGalleryV2 } from '../../lib/marketplace/koogallery/handle-v2.js'

export const routes = [
  route({
    operationId: 'kooGallery',
    method: 'GET',
    path: '/v1/marketplace/koogallery',
    summary:
      'KooGallery SaaS production interface (V1): newInstance, refreshInstance, expireInstance, releaseInstance, upgrade, queryInstance. Authenticated by authToken; answers carry Body-Sign',
    tag: 'Marketplace',
    access: publicAccess,
    // The protocol validates its own parameters and answers in its own format (resultCode).
    query: z.record(z.string(), z.string()),
    response: z.object({
      resultCode: z.string(),
      resultMsg: z.string(),
      instanceId: z.string().optional(),
      encryptType: z.string().optional(),
      appInfo: z.record(z.string(), z.string()).optional(),
    }),
    // The signed bytes are the answer: they go out exactly as signed.
    produces: 'application/json',
    handle: async (req) => {
      const wire = await handleKooGallery(req.query)
      return representation(wire.body, wire.headers, wire.status)
    },
  }),
  route({
    operationId: 'kooGalleryV2',
    method: 'POST',
    path: '/v1/marketplace/koogallery/v2',
    summary:
      'KooGallery SaaS production interface V2.0: newInstance (the order read from the open API), queryInstance, refreshInstance, updateInstanceStatus, upgradeInstance, changeInstanceCheck, releaseInstance, orderNotify. Signed over the body (signature, timestamp, nonce in the query); answers carry Body-Sign',
    tag: 'Marketplace',
    access: publicAccess,
    // The signature covers the body's bytes: checked before the protocol validates anything itself.
    query: z.record(z.string(), z.string()),
    rawBody: RequestV2Schema,
    response: AnswerV2Schema,
    produces: 'application/json',
    handle: async (req) => {
      const wire = await handleKooGalleryV2(req.query, req.rawBody ?? '')
      return representation(wire.body, wire.headers, wire.status)
    },
  }),
  route({
    operationId: 'awsMarketplaceRegister',
    method: 'POST',
    path: '/v1/marketplace/aws/register',
    summary:
      'AWS Marketplace registration landing: resolves the buyer, opens their workbench (or finds it) and sends them on to sign in',
    tag: 'Marketplace',
    access: publicAccess,
    form: true,
    body: z.object({
      'x-amzn-marketplace-token': z.string().min(1).max(4096),
      email: z.email().max(254).optional(),
      company: z.string().trim().max(200).optional(),
    }),
    response: z.string(),
    produces: 'text/html',
    status: 201,
    errors: ['INVALID_STATE'],
    handle: async (req) => {
      const result = await registerAwsBuyer({
        token: req.body['x-amzn-marketplace-token'],
        email: req.body.email,
        company: req.body.company,
      })
      if (result.kind === 'existing') return redirect(result.loginUrl)
      const { tenant, admin } = result.opened
      return representation(
        welcomePage({
          name: tenant.name,
          loginUrl: tenant.urls.userLogin,
          userName: admin.identifier,
          password: admin.initialPassword,
        }),
      )
    },
  }),
]
