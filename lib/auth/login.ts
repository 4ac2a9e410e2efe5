import type { z } from 'zod'
import { burnPasswordCheck, verifyPassword } from '../core/crypto/passwords.js'
import type { WriteItem } from '../core/db/conditions.js'
import { transaction } from '../core/db/transaction.js'
import { AppError } from '../core/errors.js'
import { count } from '../core/metrics.js'
import { pendingJoinTenants } from '../directory/join-requests.js'
import { type Account, loginSubject, type Membership } from '../identity/accounts.js'
import { admitAttempt } from '../identity/throttle.js'
import { findTenant } from '../tenants/queries.js'
import { rehashAfterLogin } from './after-login.js'
import { issueTokens, resolveGrant } from './grant.js'
import type { LoginBody } from './login-body.js'
import { type AttemptContext, type LoginResult, loginLogWrite } from './login-log.js'
import { choices, selectorOf } from './realms.js'
import { startSession } from './sessions.js'

const badCredentials = () => new AppError('INVALID_CREDENTIALS', 'identifier or password is wrong')

/** The tenants an attempt concerns: the one asked for, else every workbench the person is in. */
const tenantsOf = (memberships: Membership[], wanted: string | undefined) =>
  memberships
    .filter((m) => m.realm === 'tenant' && (wanted === undefined || selectorOf(m) === wanted))
    .slice(0, 10)
    .map((m) => m.ctx)

/** An attempt in the account's log and in the login log of each tenant it concerns. */
const logAttempt = async (
  account: Account | undefined,
  blindIndex: string,
  result: LoginResult,
  ctx: AttemptContext,
  tenants: string[],
) => {
  const tx = transaction()
  if (!account) tx.add('log', loginLogWrite(`unknown#${blindIndex}`, result, ctx))
  else if (tenants.length === 0) tx.add('log', loginLogWrite(account.accountId, result, ctx))
  else for (const t of tenants) tx.add('log', loginLogWrite(account.accountId, result, ctx, t))
  await tx.run()
}

/** After a right password with nowhere to go: say what is true (disabled, waiting for approval). */
const nowhereToGo = async (account: Account, memberships: Membership[], wanted: string | undefined) => {
  const asked = wanted ? memberships.filter((m) => selectorOf(m) === wanted) : memberships
  const disabled = asked.filter((m) => m.status !== 'active')
  if (disabled.length > 0) {
    const names = await Promise.all(disabled.map(async (m) => (await findTenant(m.ctx))?.name ?? m.ctxCode))
    return new AppError(
      'ACCOUNT_DISABLED',
      `your access to ${names.join(', ')} is disabled; ask its administrator`,
    )
  }
  const pending = await pendingJoinTenants(account.accountId)
  const waiting = (await Promise.all(pending.map((id) => findTenant(id)))).filter(
    (t) => t && (wanted === undefined || `tenant:${t.code}` === wanted),
  )
  if (waiting.length > 0) {
    return new AppError(
      'APPROVAL_PENDING',
      `your request to join ${waiting.map((t) => t?.name).join(', ')} is waiting for an administrator's approval`,
    )
  }
  return new AppError(
    'FORBIDDEN',
    wanted ? 'you have no access to the chosen workbench' : 'this account belongs to no workbench',
  )
}

/**
 * The checks of a password login, up to the one membership it opens. The attempt is counted before
 * the password is checked (so no burst of guesses gets past the limit), and an unknown identifier
 * costs and answers as a wrong password does. Every failure lands in the login log (the tenant's
 * too); the success is logged by the caller, in the transaction of what the login starts.
 */
const authenticate = async (input: z.infer<typeof LoginBody>, ctx: AttemptContext) => {
  const { blindIndex, account, memberships } = await loginSubject(input.identifier)
  const attempt = await admitAttempt(blindIndex, ctx.ip)
  const wanted = input.select ?? (input.tenantCode ? `tenant:${input.tenantCode}` : undefined)
  const right = account
    ? await verifyPassword(input.password, account.passwordHash)
    : await burnPasswordCheck(input.password).then(() => false)
  if (!account || !right) {
    count('LoginFailed')
    const [{ retryAfterSeconds }] = await Promise.all([
      attempt.failed(),
      logAttempt(account, blindIndex, 'bad_password', ctx, tenantsOf(memberships, wanted)),
    ])
    if (retryAfterSeconds !== undefined) {
      throw new AppError(
        'ACCOUNT_LOCKED',
        'too many failed attempts; try again later, or reset your password',
        {
          retryAfterSeconds,
        },
      )
    }
    throw badCredentials()
  }
  await attempt.succeeded()
  if (account.status !== 'active') {
    await logAttempt(account, blindIndex, 'disabled', ctx, tenantsOf(memberships, wanted))
    throw new AppError('ACCOUNT_DISABLED', 'this account is disabled')
  }
  const active = memberships.filter((m) => m.status === 'active')
  const candidates = wanted ? active.filter((m) => selectorOf(m) === wanted) : active
  if (candidates.length === 0) {
    await logAttempt(account, blindIndex, 'no_membership', ctx, tenantsOf(memberships, wanted))
    throw await nowhereToGo(account, memberships, wanted)
  }
  if (candidates.length > 1) return { chooseFrom: await choices(candidates) }

  const membership = candidates[0] as Membership
  const tenantId = membership.realm === 'tenant' ? membership.ctx : undefined
  try {
    return { account, membership, tenantId, grant: await resolveGrant(account, membership) }
  } catch (err) {
    if (err instanceof AppError && err.code === 'TENANT_FROZEN')
      await logAttempt(account, blindIndex, 'tenant_frozen', ctx, tenantId ? [tenantId] : [])
    throw err
  }
}

/** A successful login: logged, the password rehashed if due, and `starts` in one transaction. */
const completeLogin = async (
  account: Account,
  password: string,
  ctx: AttemptContext,
  tenantId: string | undefined,
  starts: WriteItem[],
) => {
  const rehash = await rehashAfterLogin(account, password)
  await transaction()
    .add('start', ...starts)
    .add('log', loginLogWrite(account.accountId, 'success', ctx, tenantId))
    .add('rehash', ...(rehash ? [rehash] : []))
    // a password changed meanwhile keeps its new hash; this login still stands
    .run({ rehash: () => new AppError('CONFLICT', 'the password changed meanwhile; log in again') })
  count('LoginSucceeded')
}

/**
 * Password login to the API. A person in several realms without a choice gets the list to choose
 * from; the chosen realm's token carries only that realm.
 */
export const login = async (input: z.infer<typeof LoginBody>, ctx: AttemptContext) => {
  const outcome = await authenticate(input, ctx)
  if (outcome.chooseFrom) return { chooseFrom: outcome.chooseFrom }
  const { account, membership, tenantId, grant } = outcome
  const session = startSession(account, membership.realm, membership.ctx)
  await completeLogin(account, input.password, ctx, tenantId, [session.write])
  return issueTokens(account, grant, session)
}

/**
 * Password login to one tenant's sign-in page (single sign-on): the same checks, lockout and log as
 * the API's; what it starts is the caller's (the browser session), written with the log.
 */
export const tenantLogin = async (
  input: { identifier: string; password: string; tenantCode: string },
  ctx: AttemptContext,
  starts: (accountId: string) => WriteItem[] = () => [],
) => {
  const outcome = await authenticate(input, ctx)
  // one membership per tenant: a tenant's page never has a choice to offer
  if (outcome.chooseFrom || outcome.tenantId === undefined) throw badCredentials()
  await completeLogin(
    outcome.account,
    input.password,
    ctx,
    outcome.tenantId,
    starts(outcome.account.accountId),
  )
  return { accountId: outcome.account.accountId, tenantId: outcome.tenantId }
}
