import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { dynamoRequestCount } from '../lib/core/db/client.js'
import { createTable } from '../scripts/local/create-table.js'
import { startLocalStreams } from '../scripts/local/stream-consumers.js'
import { switchSettings } from '../scripts/local/table-switch.js'
import { addBareMembers } from '../test/support/bare-members.js'
import { enterpriseTenant, event } from './directory.js'
import { fmt, table, verdict } from './stats.js'

type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>

const MEMBERS = 5000

/** A provider that accepts everything and counts: calls per interface, users per authSync flag. */
const countingProvider = async () => {
  const calls: Record<string, number> = {}
  const users = new Map<string, Set<string>>()
  const sizes: number[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => {
      raw += c.toString()
    })
    req.on('end', () => {
      const iface = (req.url ?? '').split('/').pop() ?? ''
      calls[iface] = (calls[iface] ?? 0) + 1
      const body = JSON.parse(raw) as { flag?: number; userList?: { userName: string }[] }
      if (iface === 'authSync') {
        if (body.flag === 1) sizes.push(body.userList?.length ?? 0)
        const key = `flag ${body.flag}`
        for (const u of body.userList ?? []) users.set(key, (users.get(key) ?? new Set()).add(u.userName))
      }
      res.setHeader('content-type', 'application/json')
      res.end('{"resultCode":"000000","resultMsg":"success"}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    calls,
    users,
    sizes,
    stop: () => new Promise((r) => server.close(r)),
  }
}

/**
 * Provisioning figures: an app granted (by one department rule) to 5,000 members while its
 * provider is bound — the calls the provider receives (⌈5,000/500⌉ user syncs is the target),
 * the DynamoDB requests used by the grant and by the worker, the time until the provider holds
 * all 5,000 — and one member's change (exactly one modify call). On a table of its own with a
 * stream, the worker fed by the same local poller `npm start` runs.
 */
export const measureProvisioning = async (options: { endpoint: string }) => {
  const tableName = 'atrium-bench-provisioning'
  await createTable(options.endpoint, tableName, { stream: true })
  switchSettings({ ATRIUM_TABLE_NAME: tableName })
  const { seedPlatform } = await import('../scripts/seed.js')
  await seedPlatform({
    adminIdentifier: 'admin@atrium.localhost',
    adminPassword: 'Atrium-admin-2026',
    demoPassword: 'Atrium-demo-2026',
  })
  const { tenantId, code, adminToken } = await enterpriseTenant('provisioning')
  const poller = await startLocalStreams({
    endpoint: options.endpoint,
    tableName,
    idleMs: 20,
    onFailure: (e) => console.error(`stream: ${e}`),
  })
  const provider = await countingProvider()
  try {
    const context = { awsRequestId: 'bench' } as Context
    const fns = {
      apps: ((await import('../functions/apps/handler.js')) as { handler: Handler }).handler,
      directory: ((await import('../functions/directory/handler.js')) as { handler: Handler }).handler,
      provisioning: ((await import('../functions/provisioning/handler.js')) as { handler: Handler }).handler,
    }
    const admin = async (fn: Handler, method: string, path: string, body?: unknown) => {
      const res = await fn(event(method, path, adminToken, body), context)
      if ((res.statusCode ?? 500) >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`)
      return JSON.parse(res.body ?? '{}')
    }
    const { generateKeyPairSync } = await import('node:crypto')
    const publicKeyPem = generateKeyPairSync('rsa', { modulusLength: 3072 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString()
    const appId = (
      await admin(fns.apps, 'POST', '/v1/apps', {
        name: 'Provisioned',
        protocol: 'oauth2',
        clientTypes: ['web'],
        redirectUris: ['https://provider.example.com/cb'],
      })
    ).appId as string
    await admin(fns.provisioning, 'PUT', `/v1/apps/${appId}/provisioning`, {
      dialect: 'workbench-v2',
      baseUrl: provider.url,
      accessKey: 'bench-provider-access-key',
      publicKeyPem,
    })
    await poller.drain()
    await poller.drain()
    const bindCalls = { ...provider.calls }

    // 5,000 members of one department (written directly: their writing is not measured)
    const dept = (await admin(fns.directory, 'POST', '/v1/departments', { name: 'Works' })).deptId as string
    const people = await addBareMembers({ tenantId, code }, MEMBERS, { deptId: dept })
    await poller.drain()
    const before = { ...provider.calls }
    const [requests0, started] = [dynamoRequestCount(), performance.now()]
    await admin(fns.apps, 'POST', `/v1/apps/${appId}/grants`, { departments: [{ id: dept }] })
    const added = () => provider.users.get('flag 1')?.size ?? 0
    while (added() < MEMBERS && performance.now() - started < 600_000) await poller.drain()
    const seconds = (performance.now() - started) / 1000
    // the grant, the stream consumers and the sender, all in this process
    const requests = dynamoRequestCount() - requests0
    const sizes = provider.sizes.join(', ')
    const userCalls = (provider.calls.authSync ?? 0) - (before.authSync ?? 0)
    const otherCalls =
      Object.values(provider.calls).reduce((a, b) => a + b, 0) -
      Object.values(before).reduce((a, b) => a + b, 0) -
      userCalls

    // one member's change
    const callsBefore = provider.calls.authSync ?? 0
    const one = people[0] as string
    await admin(fns.directory, 'PATCH', `/v1/members/${one}`, { employeeNo: 'E-1' })
    await poller.drain()
    await poller.drain()
    const modifyCalls = (provider.calls.authSync ?? 0) - callsBefore
    const modified = provider.users.get('flag 2')?.size ?? 0

    const target = Math.ceil(MEMBERS / 500)
    return {
      markdown: [
        table(
          [
            'change',
            'provider calls',
            'DynamoDB requests (grant, stream consumers, sender)',
            'seconds until the provider holds all',
            'target',
          ],
          [
            [
              'binding (tenant, credentials, departments, members)',
              Object.entries(bindCalls)
                .map(([k, v]) => `${k} ${v}`)
                .join(', '),
              '',
              '',
              '',
            ],
            [
              `department grant reaching ${MEMBERS.toLocaleString('en')} members`,
              `authSync ${userCalls} (users per call: ${sizes}), other ${otherCalls}`,
              requests,
              fmt(seconds, 2),
              `${verdict(userCalls === target && added() === MEMBERS)} (${target} user syncs, all ${MEMBERS.toLocaleString('en')} held)`,
            ],
            [
              "one member's change",
              `authSync ${modifyCalls} (users ${modified})`,
              '',
              '',
              `${verdict(modifyCalls === 1 && modified === 1)} (exactly one modify)`,
            ],
          ],
        ),
      ].join('\n'),
    }
  } finally {
    await poller.stop()
    await provider.stop()
  }
}
