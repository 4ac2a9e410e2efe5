import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { dynamoRequestCount } from '../lib/core/db/client.js'
import { addBareMembers } from '../test/support/bare-members.js'
import { benchMember, enterpriseTenant, event } from './directory.js'
import { growthRow, LATENCY_COLUMNS, table, timed, verdict } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

/**
 * Approvals: DynamoDB requests of "awaiting my decision", "my requests", a request's detail (with
 * its comments) and a decision while the tenant is small, and again after 300 more requests (with
 * their todos and waiting places) and 1,000 more members; latency against a bare GetItem.
 */
export const measureApprovals = async (options: { bareGetItemP50: number; n: number }) => {
  const tenant = await enterpriseTenant('approvals')
  const { handler } = (await import('../functions/approvals/handler.js')) as { handler: Handler }
  const context = { awsRequestId: 'bench' } as Context
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await handler(event(method, path, token, body), context)
    if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
    return JSON.parse(res.body ?? '{}')
  }
  const applicant = await benchMember(tenant, 'bench-approvals-applicant@bench.test')
  const approver = await benchMember(tenant, 'bench-approvals-approver@bench.test')
  const { templateId } = await call(tenant.adminToken, 'POST', '/v1/approvals/templates', {
    name: 'Purchase',
    fields: [
      { key: 'amount', label: 'Amount', type: 'money', required: true },
      { key: 'what', label: 'What', type: 'text', required: true },
    ],
    steps: [{ approvers: { type: 'members', memberIds: [approver.memberId] } }],
  })
  const submit = async (count: number) => {
    const ids: string[] = []
    for (let i = 0; i < count; i++)
      ids.push(
        (
          await call(applicant.token, 'POST', '/v1/approvals', {
            templateId,
            form: { amount: { amount: '10.00', currency: 'EUR' }, what: `Item ${i}` },
          })
        ).requestId,
      )
    return ids
  }
  const [detailId] = await submit(1)
  await call(applicant.token, 'POST', `/v1/approvals/${detailId}/comments`, { text: 'A quote follows' })
  const awaiting = () => call(approver.token, 'GET', '/v1/approvals/awaiting')
  const mine = () => call(applicant.token, 'GET', '/v1/approvals/mine')
  const detail = () => call(approver.token, 'GET', `/v1/approvals/${detailId}`)
  const pending = await submit(2)
  const decide = () =>
    call(approver.token, 'POST', `/v1/approvals/${pending.pop()}/decision`, { decision: 'approved' })
  const requestsOf = async (fn: () => Promise<unknown>) => {
    const before = dynamoRequestCount()
    await fn()
    return dynamoRequestCount() - before
  }
  const reads = async () => ({
    awaiting: await requestsOf(awaiting),
    mine: await requestsOf(mine),
    detail: await requestsOf(detail),
    decide: await requestsOf(decide),
  })

  await Promise.all([awaiting(), mine(), detail()])
  const small = await reads()
  await submit(300)
  await addBareMembers(tenant, 1000)
  pending.push(...(await submit(options.n + 1)))
  const large = await reads()
  const listed = (await awaiting()).items.length
  const times = {
    awaiting: await timed(options.n, awaiting),
    mine: await timed(options.n, mine),
    detail: await timed(options.n, detail),
    decide: await timed(options.n, decide),
  }

  const row = growthRow(options.bareGetItemP50)
  const steady = (k: keyof typeof small, most: number) =>
    `${verdict(large[k] <= most && large[k] === small[k])} ≤ ${most}, unchanged`
  return {
    markdown: table(
      [...LATENCY_COLUMNS, 'requests (3 requests → 300 more and 1,000 more members)', 'target'],
      [
        row(
          'GET /v1/approvals/awaiting',
          times.awaiting,
          small.awaiting,
          large.awaiting,
          listed > 0 ? steady('awaiting', 3) : verdict(false),
        ),
        row('GET /v1/approvals/mine', times.mine, small.mine, large.mine, steady('mine', 3)),
        row(
          'GET /v1/approvals/{id} (with a comment)',
          times.detail,
          small.detail,
          large.detail,
          steady('detail', 3),
        ),
        row(
          'POST /v1/approvals/{id}/decision (applicant told)',
          times.decide,
          small.decide,
          large.decide,
          verdict(large.decide === small.decide),
        ),
      ],
    ),
  }
}
