import { execFile, spawn } from 'node:child_process'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { handler as content } from '../../functions/content/handler.js'
import { handler as directory } from '../../functions/directory/handler.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { tenantPartition } from '../../lib/core/db/keys.js'
import { keyAttributes, TABLE } from '../../lib/core/db/table-definition.js'
import { tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { createTable, deleteTable } from '../../scripts/local/create-table.js'
import { localClient, startDynamoDbLocal } from '../../scripts/local/dynamodb-local.js'
import { ensureMasterKeyFile } from '../../scripts/local/master-key.js'
import { REPO_ROOT } from '../../scripts/local/paths.js'
import { freePort, killWithParent } from '../../scripts/local/process.js'
import { seedPlatform } from '../../scripts/seed.js'
import { testEndpoint, uniqueTableName, useTestTable } from '../support/dynamo.js'
import { login, SEED } from '../support/fixtures.js'
import { call } from '../support/lambda.js'

describe('the local table', () => {
  const tableName = uniqueTableName('atrium-local-stack')
  const client = () => localClient(testEndpoint())

  beforeAll(() => createTable(testEndpoint(), tableName))
  afterAll(() => deleteTable(testEndpoint(), tableName))

  const describeTable = async () => {
    const c = client()
    try {
      return (await c.send(new DescribeTableCommand({ TableName: tableName }))).Table!
    } finally {
      c.destroy()
    }
  }

  it('has the keys, indexes and billing of the one table definition', async () => {
    const table = await describeTable()
    expect(table.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ])
    expect(table.AttributeDefinitions?.map((a) => [a.AttributeName, a.AttributeType]).sort()).toEqual(
      keyAttributes()
        .map((name) => [name, 'S'])
        .sort(),
    )
    expect(table.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
    const indexes = Object.fromEntries(
      (table.GlobalSecondaryIndexes ?? []).map((i) => [
        i.IndexName,
        { keys: i.KeySchema, projection: i.Projection },
      ]),
    )
    expect(indexes).toEqual(
      Object.fromEntries(
        Object.entries(TABLE.indexes).map(([name, index]) => [
          name,
          {
            keys: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            projection: { ProjectionType: 'ALL' },
          },
        ]),
      ),
    )
  })

  it('expires items through the TTL attribute', async () => {
    const c = client()
    try {
      const ttl = await c.send(new DescribeTimeToLiveCommand({ TableName: tableName }))
      expect(ttl.TimeToLiveDescription).toEqual({
        AttributeName: TABLE.ttlAttribute,
        TimeToLiveStatus: 'ENABLED',
      })
    } finally {
      c.destroy()
    }
  })

  it('is created idempotently, and deleted idempotently', async () => {
    const before = await describeTable()
    await expect(createTable(testEndpoint(), tableName)).resolves.toBeUndefined()
    expect((await describeTable()).CreationDateTime).toEqual(before.CreationDateTime)

    const other = uniqueTableName('atrium-local-stack')
    await createTable(testEndpoint(), other)
    await deleteTable(testEndpoint(), other)
    await expect(deleteTable(testEndpoint(), other)).resolves.toBeUndefined()
  })
})

describe('the local master key file', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atrium-key-test-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('holds 32 random bytes in base64, readable by its owner only', () => {
    const file = ensureMasterKeyFile(join(dir, 'nested', 'master.key'))
    expect(file).toBe(join(dir, 'nested', 'master.key'))
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const another = ensureMasterKeyFile(join(dir, 'another.key'))
    expect(readFileSync(another, 'utf8')).not.toBe(readFileSync(file, 'utf8'))
  })

  it('is never overwritten: data encrypted under it stays readable', () => {
    const file = ensureMasterKeyFile(join(dir, 'master.key'))
    const first = readFileSync(file, 'utf8')
    ensureMasterKeyFile(file)
    expect(readFileSync(file, 'utf8')).toBe(first)

    const own = join(dir, 'own.key')
    writeFileSync(own, 'kept as it is\n')
    ensureMasterKeyFile(own)
    expect(readFileSync(own, 'utf8')).toBe('kept as it is\n')
  })
})

describe('starting DynamoDB Local', () => {
  let busy: Server
  beforeAll(async () => {
    busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, resolve))
  })
  afterAll(() => new Promise((resolve) => busy.close(resolve)))

  it('refuses a port in use, naming the port and the setting that changes it', async () => {
    const address = busy.address()
    const port = typeof address === 'object' && address ? address.port : 0
    await expect(startDynamoDbLocal({ port })).rejects.toThrow(
      new RegExp(`port ${port} is in use.*DYNAMODB_PORT`),
    )
  })
})

describe('the seed', () => {
  const state = useTestTable()

  const demoPartition = async () => {
    const tenantId = (await tenantIdByCustomer('demo-customer')) as string
    const { Items = [] } = await getDocumentClient().send(
      new QueryCommand({
        TableName: state.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        ExpressionAttributeValues: { ':pk': tenantPartition(tenantId) },
        ConsistentRead: true,
      }),
    )
    return Items
  }

  const pathsOf = (nodes: { name: string; children: unknown[] }[], prefix = ''): string[] =>
    nodes.flatMap((d) => {
      const path = prefix ? `${prefix}/${d.name}` : d.name
      return [path, ...pathsOf(d.children as typeof nodes, path)]
    })

  it('gives the demo tenant an organisation, and a second run writes nothing', async () => {
    const seed = await seedPlatform(SEED)
    const before = await demoPartition()
    await seedPlatform(SEED)
    expect(await demoPartition()).toEqual(before)

    const admin = await login(seed.demoTenant.adminIdentifier, seed.demoTenant.adminPassword)
    const read = async (path: string, query?: Record<string, string>) =>
      (await call(directory, 'GET', path, { token: admin.accessToken, query })).body
    const tree = await read('/v1/departments')
    expect(pathsOf(tree.items).sort()).toEqual([
      'Head office',
      'Head office/Finance',
      'Head office/Human resources',
      'Plant 1',
      'Plant 1/Assembly',
      'Plant 1/Assembly/Line A',
      'Plant 1/Assembly/Line B',
      'Plant 1/Quality',
    ])
    const members = (await read('/v1/members', { limit: '100' })).items
    expect(members).toHaveLength(11) // the staff and the tenant administrator
    expect(members.filter((m: { departmentIds: string[] }) => m.departmentIds.length === 0)).toHaveLength(1)
    expect((await read('/v1/groups')).items).toEqual([
      expect.objectContaining({ name: 'Safety committee', memberCount: 4 }),
    ])
    const roles = (await read('/v1/roles')).items
    expect(roles.map((r: { name: string }) => r.name)).toEqual(['HR administrator'])
    const holders = members.filter((m: { roles: string[] }) => m.roles.includes(roles[0].roleId))
    expect(holders.map((m: { name: string }) => m.name)).toEqual([seed.demoTenant.member.name])
  })

  it("gives the personal centre its pages, and a second run keeps the system admin's edit", async () => {
    const seed = await seedPlatform(SEED)
    const member = await login(seed.demoTenant.member.identifier, seed.demoTenant.member.password)
    const page = (slug: string) => call(content, 'GET', `/v1/pages/${slug}`, { token: member.accessToken })
    expect((await page('product-introduction')).body.title).toBe('About Atrium')
    expect((await page('user-guide')).body.html).toContain('<h2>Opening an app</h2>')
    const system = await login(SEED.adminIdentifier, SEED.adminPassword)
    const edited = await call(content, 'PUT', '/v1/platform/pages/user-guide', {
      token: system.accessToken,
      body: { title: 'Our guide', body: { blocks: [{ type: 'paragraph', content: [{ text: 'Ask IT.' }] }] } },
    })
    expect(edited.status).toBe(200)
    await seedPlatform(SEED)
    expect((await page('user-guide')).body.title).toBe('Our guide')
  })

  it("prints a business admin's login that works, with the role's permissions only", async () => {
    const { member } = (await seedPlatform(SEED)).demoTenant
    const session = await login(member.identifier, member.password)
    expect(session.mustChangePassword).toBe(false)
    const token = session.accessToken
    const me = await call(directory, 'GET', '/v1/me', { token })
    expect(me.body.member.name).toBe(member.name)
    expect((await call(directory, 'GET', '/v1/members', { token })).status).toBe(200)
    const role = await call(directory, 'POST', '/v1/roles', { token, body: { name: 'x', permissions: [] } })
    expect(role.status).toBe(403)
  })
})

/** A script's environment as a newcomer's shell gives it: this run's settings, no verbosity asked. */
const scriptEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const { ATRIUM_VERBOSE: _, ...env } = process.env
  return { ...env, LOG_LEVEL: 'info', ...extra }
}

const TSX = ['--import', 'tsx']

/** Runs a script (what `npm run <name>` runs) to its end. */
const runScript = (file: string, args: string[], env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [...TSX, file, ...args],
      { cwd: REPO_ROOT, env: scriptEnv(env) },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    )
  })

interface LocalStack {
  output: () => string
  stop(): Promise<number | null>
}

const BANNER_END = /-d '\{.*\}'\n/
const BANNER_TIMEOUT_MS = 180_000

/** What a browser ends on: redirects followed with the cookies they set (fetch drops them). */
const browserStatus = async (url: string) => {
  const jar = new Map<string, string>()
  let at = url
  for (let hops = 0; hops < 10; hops++) {
    const res = await fetch(at, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    for (const c of res.headers.getSetCookie()) {
      const [k, v] = (c.split(';')[0] as string).split('=')
      jar.set(k as string, v ?? '')
    }
    const location = res.headers.get('location')
    if (!location) return res.status
    at = new URL(location, at).href
  }
  return 0
}

/** `npm start` on free ports, up to its banner; stop() ends it as Ctrl-C does and gives its exit code. */
const startLocalStack = async (args: string[]): Promise<LocalStack> => {
  const child = spawn(process.execPath, [...TSX, 'scripts/start.ts', ...args], {
    cwd: REPO_ROOT,
    env: scriptEnv({ PORT: '0', LAMBDA_PORT: '0', DYNAMODB_PORT: '0', DEMO_APP_PORT: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const pid = child.pid as number
  // should this test process die, its npm start (and what that started) goes too
  const cancelWatchdog = killWithParent(pid, { group: true })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-pid, 'SIGKILL')
      reject(new Error(`no banner within ${BANNER_TIMEOUT_MS} ms:\n${output}`))
    }, BANNER_TIMEOUT_MS)
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      if (!BANNER_END.test(output)) return
      clearTimeout(timer)
      resolve()
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`npm start exited (${code}) before its banner:\n${output}`))
    })
  })
  return {
    output: () => output,
    stop: async () => {
      child.kill('SIGINT')
      const code = await exited
      cancelWatchdog()
      return code
    },
  }
}

const bannerOf = (output: string) => output.slice(output.indexOf('Atrium is running'))
const beforeBanner = (output: string) => output.slice(0, output.indexOf('Atrium is running'))

describe('npm start', () => {
  let stack: LocalStack | undefined
  afterEach(async () => {
    await stack?.stop()
    stack = undefined
  })

  it('keeps serverless-offline to itself, and every URL of its banner leads somewhere', async () => {
    stack = await startLocalStack([])
    const output = stack.output()
    expect(beforeBanner(output)).not.toContain('Server ready')
    expect(beforeBanner(output)).not.toContain('"message":"request done"')

    const banner = bannerOf(output)
    const lines = banner.split('\n')
    const urls = lines.flatMap((line) =>
      [...line.matchAll(/https?:\/\/[^\s']+/g)].map((m) => ({ url: m[0], line })),
    )
    expect(urls.length).toBeGreaterThanOrEqual(5)
    for (const { url, line } of urls) {
      if (line.includes('curl')) {
        // the command as printed: POST the body of the line after it
        const body = /-d '(.*)'/.exec(lines[lines.indexOf(line) + 1] ?? '')?.[1]
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
        expect([url, res.status]).toEqual([url, 200])
        expect(((await res.json()) as { accessToken?: string }).accessToken).toBeTruthy()
      } else {
        expect([url, await browserStatus(url)]).toEqual([url, 200])
      }
    }

    const api = urls[0]?.url as string
    const [, identifier, password] = /demo member +(\S+) \/ (\S+)/.exec(banner) ?? []
    const member = await fetch(`${api}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier, password }),
    })
    expect(member.status).toBe(200)

    // what the API would e-mail or text is printed where the developer looks
    const asked = await fetch(`${api}/v1/auth/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: 'newcomer@example.com', purpose: 'signup' }),
    })
    expect(asked.status).toBe(202)
    const printed = async () => {
      for (
        let i = 0;
        i < 50 &&
        !/✉ outbox \(email\) to newcomer@example\.com: Your Atrium code: \d{6}/.test(stack?.output() ?? '');
        i++
      )
        await new Promise((r) => setTimeout(r, 200))
      return stack?.output() ?? ''
    }
    expect(await printed()).toMatch(/✉ outbox \(email\) to newcomer@example\.com: Your Atrium code: \d{6}/)

    // the scripts that work against the running stack find it through the same settings
    const apiPort = new URL(api).port
    const dynamoPort = /DynamoDB Local ready on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1] as string
    const order = await runScript('scripts/marketplace.ts', ['newInstance'], { PORT: apiPort })
    expect([order.code, order.stderr]).toEqual([0, ''])
    expect(order.stdout).toContain('HTTP 200, Body-Sign verified')
    expect(order.stdout).toContain('"resultCode": "000000"')
    // a year on, the demo tenant and the one just ordered have expired: npm start's table it is
    const lifecycle = await runScript('scripts/lifecycle.ts', ['--days', '400'], {
      DYNAMODB_PORT: dynamoPort,
    })
    expect([lifecycle.code, lifecycle.stderr]).toEqual([0, ''])
    const report = JSON.parse(lifecycle.stdout.slice(lifecycle.stdout.search(/^\{$/m)))
    expect(report).toEqual(expect.objectContaining({ failed: 0, more: false }))
    expect(report.due).toBeGreaterThanOrEqual(2)

    expect(bannerOf(stack.output())).toContain('npm start -- --verbose')
    expect(await stack.stop()).toBe(0)
    stack = undefined
  }, 240_000)

  it("shows serverless-offline's output and the functions' request logs with --verbose", async () => {
    stack = await startLocalStack(['--verbose'])
    const output = beforeBanner(stack.output())
    expect(output).toContain('Server ready')
    // the health check npm start makes before its banner
    expect(output).toMatch(/"message":"request done".*"operation":"health"/)
  }, 240_000)

  it('refuses an option it does not know, with its usage', async () => {
    const run = await runScript('scripts/start.ts', ['--verbos'], {})
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('unknown option --verbos')
    expect(run.stderr).toContain('npm start [-- --verbose]')
  })
})

describe('the scripts that need a running npm start', () => {
  it('say when nothing listens where npm start would be', async () => {
    const port = String(await freePort())
    const lifecycle = await runScript('scripts/lifecycle.ts', [], { DYNAMODB_PORT: port })
    expect(lifecycle.code).toBe(1)
    expect(lifecycle.stderr).toContain(`nothing listens on http://127.0.0.1:${port}`)
    expect(lifecycle.stderr).toContain('DYNAMODB_PORT')
    const order = await runScript('scripts/marketplace.ts', ['queryInstance', '--instanceId', 'x'], {
      PORT: port,
    })
    expect(order.code).toBe(1)
    expect(order.stderr).toContain(`nothing answers on http://localhost:${port}`)
  })

  it("say when the DynamoDB there is not npm start's", async () => {
    const { port } = new URL(testEndpoint())
    const lifecycle = await runScript('scripts/lifecycle.ts', [], { DYNAMODB_PORT: port })
    expect(lifecycle.code).toBe(1)
    expect(lifecycle.stderr).toContain('has no table atrium-local')
  })
})
