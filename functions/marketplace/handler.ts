import '../../lib/capabilities.js'
import { httpFunction } from '../../lib/core/http/http-function.js'
import { routes } from './routes.js'

export const handler = httpFunction({ name: 'marketplace', routes })
