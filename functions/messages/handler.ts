import { liveSession } from '../../lib/auth/session-check.js'
import { httpFunction } from '../../lib/core/http/http-function.js'
import { routes } from './routes.js'

export const handler = httpFunction({ name: 'messages', routes, session: liveSession })
