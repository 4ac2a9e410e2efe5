import { addBareMembers } from '../test/support/bare-members.js'
import { benchMember, enterpriseTenant } from './directory.js'
import { caller, requestsOf } from './harness.js'
import { growthRow, LATENCY_COLUMNS, table, timed, verdict } from './stats.js'

/**
 * The todo centre: DynamoDB requests of its first page (open todos first, by due date, with the
 * open count), of adding a todo and of ticking one off, while the member has 5 todos and again
 * after they have 300 (half done) and the tenant 1,000 more members, with latency against a bare
 * GetItem.
 */
export const measureTodos = async (options: { bareGetItemP50: number; n: number }) => {
  const tenant = await enterpriseTenant('todos')
  const { handler } = await import('../functions/todos/handler.js')
  const call = caller(handler as Parameters<typeof caller>[0])
  const { token } = await benchMember(tenant, 'bench-todos-member@bench.test')
  let made = 0
  const add = async () =>
    (await call('POST', '/v1/me/todos', token, { title: `todo ${made++}`, due: '2026-12-01' }))
      .todoId as string
  const centre = () => call('GET', '/v1/me/todos', token, undefined, { state: 'open', limit: '25' })
  const open: string[] = []
  const tick = () => call('PATCH', `/v1/me/todos/${open.pop()}`, token, { done: true })
  for (let i = 0; i < 5; i++) await add()
  const small = { centre: await requestsOf(centre), add: await requestsOf(add) }
  for (let i = 0; i < 300; i++) {
    const id = await add()
    if (i % 2) await call('PATCH', `/v1/me/todos/${id}`, token, { done: true })
  }
  await addBareMembers(tenant, 1000)
  const large = { centre: await requestsOf(centre), add: await requestsOf(add) }
  for (let i = 0; i < 4; i++) open.push(await add())
  const ticking = await requestsOf(tick)
  const row = growthRow(options.bareGetItemP50)
  const within = (key: keyof typeof small, limit: number) =>
    `${verdict(large[key] <= limit && large[key] === small[key])} ≤ ${limit}, unchanged`
  return {
    markdown: table(
      [...LATENCY_COLUMNS, 'requests (5 todos → 300, 1,000 more members)', 'target'],
      [
        row(
          'GET /v1/me/todos (the centre, open first)',
          await timed(options.n, centre),
          small.centre,
          large.centre,
          within('centre', 3),
        ),
        row('POST /v1/me/todos', await timed(options.n, add), small.add, large.add, 'unchanged'),
        ['PATCH /v1/me/todos/{id} (tick off)', '', '', '', '', `${ticking}`, ''],
      ],
    ),
  }
}
