import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb'
import { keyAttributes, TABLE } from '../../lib/core/db/table-definition.js'
import { createTable, deleteTable } from '../../scripts/local/create-table.js'
import { localClient, startDynamoDbLocal } from '../../scripts/local/dynamodb-local.js'
import { ensureMasterKeyFile } from '../../scripts/local/master-key.js'
import { testEndpoint, uniqueTableName } from '../support/dynamo.js'

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
