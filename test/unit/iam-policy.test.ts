import { resolve } from 'node:path'
import type { AwsCommandLogEntry, AwsResource } from '../../lib/core/aws-command-log.js'
import { checkRoles, readServerlessConfig, type ServerlessConfig } from '../iam/policy.js'

const config = readServerlessConfig(resolve(__dirname, '../../serverless.yml'))

const sent = (fn: string, action: string, resource: AwsResource = 'table'): AwsCommandLogEntry[] => [
  { kind: 'function', fn },
  { kind: 'command', fn, action, resource, example: `${fn}.op` },
]

/** serverless.yml with `action` taken out of the role of `fn`. */
const without = (fn: string, action: string): ServerlessConfig => {
  const copy = structuredClone(config)
  const role = copy.resources.Resources[copy.functions[fn]?.role as string]
  for (const policy of role?.Properties?.Policies ?? []) {
    for (const statement of policy.PolicyDocument.Statement) {
      const actions = [statement.Action].flat()
      statement.Action = actions.filter((a) => a !== action)
    }
  }
  return copy
}

describe('the IAM check (test/iam) against serverless.yml', () => {
  it('allows the live session check in the auth role and fails, naming it, once it is gone', () => {
    const entries = sent('auth', 'dynamodb:BatchGetItem')
    expect(checkRoles(config, entries).denied).toEqual([])
    expect(checkRoles(without('auth', 'dynamodb:BatchGetItem'), entries).denied).toEqual([
      'auth: dynamodb:BatchGetItem on arn:aws:dynamodb:us-east-1:000000000000:table/atrium-local (e.g. auth.op)',
    ])
  })

  it('lets every function that notifies members push the notice to their devices', () => {
    for (const fn of ['calendar', 'calendar-reminders', 'approvals'])
      expect(
        checkRoles(config, [
          ...sent(fn, 'dynamodb:BatchGetItem'),
          ...sent(fn, 'execute-api:ManageConnections', 'ws-connections'),
        ]).denied,
      ).toEqual([])
  })

  it('tells an index from its table', () => {
    expect(checkRoles(config, sent('lifecycle', 'dynamodb:Query', 'table/index/ByDue')).denied).toEqual([])
    expect(checkRoles(config, sent('auth', 'dynamodb:BatchGetItem', 'table/index/GSI1')).denied).toHaveLength(
      1,
    )
  })

  it('checks KMS, Secrets Manager and AWS Marketplace actions on their resources', () => {
    expect(checkRoles(config, sent('auth', 'kms:Decrypt', 'pii-key')).denied).toEqual([])
    expect(checkRoles(config, sent('meta', 'kms:GenerateDataKey', 'pii-key')).denied).toHaveLength(1)
    expect(
      checkRoles(config, sent('marketplace', 'secretsmanager:GetSecretValue', 'koogallery-key-secret'))
        .denied,
    ).toEqual([])
    expect(
      checkRoles(config, sent('auth', 'secretsmanager:GetSecretValue', 'koogallery-key-secret')).denied,
    ).toHaveLength(1)
    expect(
      checkRoles(config, sent('marketplace-events', 'aws-marketplace:GetEntitlements', '*')).denied,
    ).toEqual([])
    expect(
      checkRoles(config, sent('marketplace-events', 'aws-marketplace:ResolveCustomer', '*')).denied,
    ).toHaveLength(1)
  })

  it('fails a function that was loaded but sent nothing, and lists what it cannot check', () => {
    const report = checkRoles(config, [
      { kind: 'function', fn: 'directory' },
      { kind: 'function', fn: 'probe' },
      ...sent('auth', 'dynamodb:GetItem'),
    ])
    expect(report.silent).toEqual(['directory'])
    expect(report.undeclared).toEqual(['probe'])
    expect(report.untested).toEqual([
      'meta',
      'tenants',
      'media',
      'portal',
      'apps',
      'sso',
      'web',
      'marketplace',
      'marketplace-events',
      'access-events',
      'provisioning',
      'provisioning-changes',
      'provisioning-sender',
      'content',
      'content-events',
      'lifecycle',
      'drive',
      'messages',
      'messages-ws',
      'todos',
      'calendar',
      'calendar-reminders',
      'approvals',
    ])
    expect(report.unexercised).toContain('auth: dynamodb:BatchGetItem on TABLE_ARN')
  })
})
