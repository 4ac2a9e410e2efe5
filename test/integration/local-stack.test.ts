import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { handler as directory } from '../../functions/directory/handler.js'
import { getDocumentClient } from '../../lib/core/db/client.js'
import { tenantPartition } from '../../lib/core/db/keys.js'
import { keyAttributes, TABLE } from '../../lib/core/db/table-definition.js'
import { tenantIdByCustomer } from '../../lib/tenants/queries.js'
import { createTable, deleteTable } from '../../scripts/local/create-table.js'
import { localClient, startDynamoDbLocal } from '../../scripts/local/dynamodb-local.js'
import { ensureMasterKeyFile } from '../../scripts/local/master-key.js'
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
