import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import serverless from 'serverless-http'
import { recordFunction } from '../../lib/core/aws-command-log.js'
import { config } from '../../lib/core/config.js'
import { withLogContext } from '../../lib/core/log.js'
import { configureMetrics, flushMetrics } from '../../lib/core/metrics.js'
import { ssoSite } from '../../lib/sso/site.js'

config()
configureMetrics('sso')
recordFunction('sso')

type Settling = { settled?: Promise<void> }

/**
 * The tenants' sign-in addresses: the browser-facing site and the OpenID provider behind it. The
 * answer goes back once the site's work is done too (serverless-http returns at the response's
 * end; what follows it, such as telling apps of a logout, must not wait for the next invocation).
 */
const site = serverless(
  (req: Parameters<typeof ssoSite>[0], res: Parameters<typeof ssoSite>[1]) => {
    Object.assign(res, { settled: ssoSite(req, res) })
  },
  { response: async (res: Settling) => res.settled },
)

export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  withLogContext(
    { fn: 'sso', correlationId: context?.awsRequestId ?? event.requestContext?.requestId },
    async () => {
      try {
        return await site(event, context)
      } finally {
        flushMetrics()
      }
    },
  )
