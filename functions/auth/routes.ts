import * as z from 'zod'
import { exchangeHandoff } from '../../lib/auth/handoff.js'
import { login } from '../../lib/auth/login.js'
import { LoginBody } from '../../lib/auth/login-body.js'
import { accountLoginLog, tenantLoginLog } from '../../lib/auth/login-log.js'
import { changePassword, resetOwnPassword } from '../../lib/auth/password.js'
import { refresh } from '../../lib/auth/refresh.js'
import {
  AcceptedSchema,
  ChangePasswordBody,
  CodeRequestBody,
  HandoffBody,
  LoginLogEntrySchema,
  LoginLogQuery,
  LoginResponse,
  RealmChoice,
  RefreshBody,
  ResetPasswordBody,
  SwitchBody,
  TokensSchema,
} from '../../lib/auth/schemas.js'
import { revokeFamily } from '../../lib/auth/sessions.js'
import { myRealms, switchRealm } from '../../lib/auth/switch.js'
import type { Caller } from '../../lib/core/auth/caller.js'
import { page } from '../../lib/core/db/pagination.js'
import { publicAccess, signedInAccess, tenantAccess } from '../../lib/core/http/access.js'
import { route } from '../../lib/core/http/route.js'
import { NoContent } from '../../lib/core/http/schemas.js'
import { requestCode } from '../../lib/identity/proofs.js'

const tag = 'Auth'
const client = (req: { ip: string; userAgent: string }) => ({ ip: req.ip, userAgent: req.userAgent })
const realmOf = (caller: Caller) => ({
  realm: caller.realm,
  ctx:
    caller.realm === 'tenant' ? caller.tenant.tenantId : caller.realm === 'industry' ? caller.industry : '',
})

export const routes = [
  route({
    operationId: 'login',
    method: 'POST',
    path: '/v1/auth/login',
    summary: 'Log in with a password; without a choice, a person in several workbenches gets the list',
    tag,
    access: publicAccess,
    body: LoginBody,
    response: LoginResponse,
    errors: [
      'INVALID_CREDENTIALS',
      'ACCOUNT_LOCKED',
      'ACCOUNT_DISABLED',
      'APPROVAL_PENDING',
      'TENANT_FROZEN',
    ],
    handle: async (req) => login(req.body, client(req)),
  }),
  route({
    operationId: 'refresh',
    method: 'POST',
    path: '/v1/auth/refresh',
    summary:
      'Exchange a refresh token for new tokens (the old one stops working; its reuse ends the session, except the same client retrying within seconds)',
    tag,
    access: publicAccess,
    body: RefreshBody,
    response: TokensSchema,
    errors: ['REFRESH_TOKEN_INVALID', 'TENANT_FROZEN', 'ACCOUNT_DISABLED'],
    handle: async (req) => refresh(req.body.refreshToken, client(req)),
  }),
  route({
    operationId: 'handoff',
    method: 'POST',
    path: '/v1/auth/handoff',
    summary:
      "Exchange a browser sign-in's hand-off code (from `POST /t/{tenantCode}/session/handoff`, single use, 60 s) for tokens; they end when the browser signs out",
    tag,
    access: publicAccess,
    body: HandoffBody,
    response: TokensSchema,
    errors: ['INVALID_CODE', 'SESSION_ENDED', 'ACCOUNT_DISABLED', 'TENANT_FROZEN'],
    handle: async (req) => exchangeHandoff(req.body.code),
  }),
  route({
    operationId: 'logout',
    method: 'POST',
    path: '/v1/auth/logout',
    summary: "End the caller's session: its refresh and access tokens stop working at once",
    tag,
    access: signedInAccess({ beforePasswordChange: true, allowReadOnly: true }),
    response: NoContent,
    status: 204,
    handle: (req) =>
      revokeFamily({ ...realmOf(req.caller), familyId: req.caller.sessionId }, req.caller.accountId),
  }),
  route({
    operationId: 'changePassword',
    method: 'POST',
    path: '/v1/auth/password',
    summary:
      'Change the password (required first after a one-time password, with the code sent to the login identifier); every other session ends',
    tag,
    access: signedInAccess({ beforePasswordChange: true, allowReadOnly: true }),
    body: ChangePasswordBody,
    response: TokensSchema,
    errors: ['ACCOUNT_LOCKED', 'CONFLICT'],
    handle: async (req) => changePassword(req.caller, req.body, client(req)),
  }),
  route({
    operationId: 'requestCode',
    method: 'POST',
    path: '/v1/auth/codes',
    summary:
      'Send a six-digit code to an e-mail address or mobile number, to prove it: to sign up (redeem an invitation), to activate a login given a one-time password, or to reset a password. The answer is the same whether or not a login exists',
    tag,
    access: publicAccess,
    body: CodeRequestBody,
    response: AcceptedSchema,
    status: 202,
    errors: ['TOO_MANY_REQUESTS'],
    handle: async (req) => {
      await requestCode(req.body.identifier, req.body.purpose, req.ip)
      return { accepted: true as const }
    },
  }),
  route({
    operationId: 'resetPassword',
    method: 'POST',
    path: '/v1/auth/password/reset',
    summary:
      'Choose a new password with a code sent to the login identifier (purpose reset): sessions end, and a lockout is lifted',
    tag,
    access: publicAccess,
    body: ResetPasswordBody,
    response: NoContent,
    status: 204,
    errors: ['CONFLICT'],
    handle: (req) => resetOwnPassword(req.body),
  }),
  route({
    operationId: 'myLoginLog',
    method: 'GET',
    path: '/v1/auth/login-log',
    summary: "The caller's own login log, newest first",
    tag,
    access: signedInAccess(),
    query: LoginLogQuery,
    response: page(LoginLogEntrySchema),
    handle: async (req) => accountLoginLog(req.caller.accountId, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'tenantLoginLog',
    method: 'GET',
    path: '/v1/tenant/login-log',
    summary: "The login log of the caller's tenant, newest first",
    tag,
    access: tenantAccess('audit.read'),
    query: LoginLogQuery,
    response: page(LoginLogEntrySchema),
    handle: async (req) => tenantLoginLog(req.tenant, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'myWorkbenches',
    method: 'GET',
    path: '/v1/me/workbenches',
    summary: 'The workbenches (and admin realms) the caller belongs to, to switch between',
    tag,
    access: signedInAccess(),
    response: z.object({ items: z.array(RealmChoice) }),
    handle: async (req) => myRealms(req.caller),
  }),
  route({
    operationId: 'switchWorkbench',
    method: 'POST',
    path: '/v1/me/switch',
    summary: "Switch to another of the caller's workbenches: new tokens for it, no password",
    tag,
    access: signedInAccess({ allowReadOnly: true }),
    body: SwitchBody,
    response: TokensSchema,
    errors: ['TENANT_FROZEN'],
    handle: async (req) => switchRealm(req.caller, req.body.select, client(req)),
  }),
]
