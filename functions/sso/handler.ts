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

/** The tenants' sign-in addresses: the browser-facing site and the OpenID provider behind it. */
const site = serverless(ssoSite)

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
