import * as z from 'zod'
import { login } from '../../lib/auth/login.js'
import { accountLoginLog, tenantLoginLog } from '../../lib/auth/login-log.js'
import { changePassword } from '../../lib/auth/password.js'
import { refresh } from '../../lib/auth/refresh.js'
import {
  ChangePasswordBody,
  LoginBody,
  LoginLogEntrySchema,
  LoginLogQuery,
  LoginResponse,
  RealmChoice,
  RefreshBody,
  SwitchBody,
  TokensSchema,
} from '../../lib/auth/schemas.js'
import { revokeFamily } from '../../lib/auth/sessions.js'
import { myRealms, switchRealm } from '../../lib/auth/switch.js'
import type { Principal } from '../../lib/core/auth/principal.js'
import { page } from '../../lib/core/db/pagination.js'
import { bind, defineRoute } from '../../lib/core/http/route.js'
import { NoContent } from '../../lib/core/http/schemas.js'

const ANY_SCOPE = ['platform', 'industry', 'tenant'] as const
const tag = 'Auth'

export const loginRoute = defineRoute({
  operationId: 'login',
  method: 'POST',
  path: '/v1/auth/login',
  summary: 'Log in with a password; without a choice, a person in several workbenches gets the list',
  tag,
  access: { public: true },
  body: LoginBody,
  response: LoginResponse,
  errors: ['INVALID_CREDENTIALS', 'ACCOUNT_LOCKED', 'ACCOUNT_DISABLED', 'TENANT_FROZEN'],
})

export const refreshRoute = defineRoute({
  operationId: 'refresh',
  method: 'POST',
  path: '/v1/auth/refresh',
  summary: 'Exchange a refresh token for new tokens (the old one stops working; reuse ends the session)',
  tag,
  access: { public: true },
  body: RefreshBody,
  response: TokensSchema,
  errors: ['REFRESH_TOKEN_INVALID', 'TENANT_FROZEN', 'ACCOUNT_DISABLED'],
})

export const logoutRoute = defineRoute({
  operationId: 'logout',
  method: 'POST',
  path: '/v1/auth/logout',
  summary: "End the caller's session (its refresh tokens stop working)",
  tag,
  access: { scopes: ANY_SCOPE, beforePasswordChange: true, allowReadOnly: true },
  response: NoContent,
  status: 204,
})

export const passwordRoute = defineRoute({
  operationId: 'changePassword',
  method: 'POST',
  path: '/v1/auth/password',
  summary: 'Change the password (required first after a one-time password); other sessions end',
  tag,
  access: { scopes: ANY_SCOPE, beforePasswordChange: true, allowReadOnly: true },
  body: ChangePasswordBody,
  response: TokensSchema,
})

export const myLoginLogRoute = defineRoute({
  operationId: 'myLoginLog',
  method: 'GET',
  path: '/v1/auth/login-log',
  summary: "The caller's own login log, newest first",
  tag,
  access: { scopes: ANY_SCOPE },
  query: LoginLogQuery,
  response: page(LoginLogEntrySchema),
})

export const tenantLoginLogRoute = defineRoute({
  operationId: 'tenantLoginLog',
  method: 'GET',
  path: '/v1/tenant/login-log',
  summary: "The login log of the caller's tenant, newest first",
  tag,
  access: { scopes: ['tenant'], permission: 'audit.read' },
  query: LoginLogQuery,
  response: page(LoginLogEntrySchema),
})

export const myRealmsRoute = defineRoute({
  operationId: 'myWorkbenches',
  method: 'GET',
  path: '/v1/me/workbenches',
  summary: 'The workbenches (and admin realms) the caller belongs to, to switch between',
  tag,
  access: { scopes: ANY_SCOPE },
  response: z.object({ items: z.array(RealmChoice) }),
})

export const switchRoute = defineRoute({
  operationId: 'switchWorkbench',
  method: 'POST',
  path: '/v1/me/switch',
  summary: "Switch to another of the caller's workbenches: new tokens for it, no password",
  tag,
  access: { scopes: ANY_SCOPE, allowReadOnly: true },
  body: SwitchBody,
  response: TokensSchema,
  errors: ['TENANT_FROZEN'],
})

const attempt = (req: { ip: string; userAgent: string }) => ({ ip: req.ip, userAgent: req.userAgent })
const who = (p: Principal | undefined) => p as Principal

export const routes = [
  bind(loginRoute, async (req) => login(req.body, attempt(req))),
  bind(refreshRoute, async (req) => refresh(req.body.refreshToken)),
  bind(logoutRoute, async (req) => {
    await revokeFamily(who(req.principal).sessionId, who(req.principal).accountId)
    return undefined
  }),
  bind(passwordRoute, async (req) => changePassword(who(req.principal), req.body, attempt(req))),
  bind(myLoginLogRoute, async (req) =>
    accountLoginLog(who(req.principal).accountId, req.query.limit, req.query.cursor),
  ),
  bind(myRealmsRoute, async (req) => myRealms(who(req.principal))),
  bind(switchRoute, async (req) => switchRealm(who(req.principal), req.body.select, attempt(req))),
  bind(tenantLoginLogRoute, async (req) =>
    tenantLoginLog(who(req.principal).tenantId as string, req.query.limit, req.query.cursor),
  ),
]
