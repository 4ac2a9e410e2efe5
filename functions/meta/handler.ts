import type { Context } from 'aws-lambda'
import { httpFunction } from '../../lib/core/http/http-function.js'
import type { Event } from '../../lib/core/http/middlewares.js'
import { catchAll, fitsTemplate } from './catch-all.js'
import { routes } from './routes.js'

const served = httpFunction({ name: 'meta', routes })

/** Meta's own routes, and the catch-all for every request that no function's route takes. */
export const handler = (event: Event, context: Context) =>
  routes.some((r) => fitsTemplate(r.spec.path, event.rawPath))
    ? served(event, context)
    : catchAll(event, context)
