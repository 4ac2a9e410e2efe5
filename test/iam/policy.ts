import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { AwsCommandLogEntry, AwsResource } from '../../lib/core/aws-command-log.js'

/** The parts of serverless.yml the check reads. */
export interface ServerlessConfig {
  custom: { settings: { local: Record<string, string> } }
  functions: Record<string, { role: string }>
  resources: {
    Resources: Record<
      string,
      { Properties?: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] } }
    >
  }
}

interface Statement {
  Effect: 'Allow' | 'Deny'
  Action: string | string[]
  Resource: unknown
}

/** One action a role allows on one resource: `arn` resolved for the local stage, `label` for people. */
export interface Grant {
  action: string
  arn: string
  label: string
}

export type CommandEntry = Extract<AwsCommandLogEntry, { kind: 'command' }>

export const readServerlessConfig = (file: string): ServerlessConfig =>
  parse(readFileSync(file, 'utf8')) as ServerlessConfig

/** Every line every process of the run wrote to the command log. */
export const readCommandLog = (dir: string): AwsCommandLogEntry[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AwsCommandLogEntry)

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '000000000000',
}

/**
 * A policy value as a string: `${self:custom.stage.X}` becomes `setting(X)`, `${sls:stage}` the local
 * stage, Fn::Sub's pseudo parameters the local ones, Fn::Join its joined parts.
 */
const render = (value: unknown, setting: (name: string) => string): string => {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name.startsWith('self:custom.stage.')) return setting(name.slice('self:custom.stage.'.length))
      if (name === 'sls:stage') return 'local'
      const pseudo = PSEUDO_PARAMETERS[name]
      if (pseudo === undefined) throw new Error(`serverless.yml: cannot resolve ${whole} in a policy`)
      return pseudo
    })
  }
  const fn = value as Record<string, unknown>
  if (typeof fn['Fn::Sub'] === 'string') return render(fn['Fn::Sub'], setting)
  const join = fn['Fn::Join'] as [string, unknown[]] | undefined
  if (join) return join[1].map((part) => render(part, setting)).join(join[0])
  throw new Error(`serverless.yml: cannot resolve ${JSON.stringify(value)} in a policy`)
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value])

/** What a function's role allows (its Allow statements; our roles have no Deny). */
export const grantsOf = (config: ServerlessConfig, fn: string): Grant[] => {
  const role = config.resources.Resources[config.functions[fn]?.role ?? '']
  if (!role) throw new Error(`serverless.yml: function ${fn} has no role among the resources`)
  const local = config.custom.settings.local
  const arnSetting = (name: string) => {
    const value = local[name]
    if (value === undefined) throw new Error(`serverless.yml: no local setting ${name}`)
    return value
  }
  return (role.Properties?.Policies ?? [])
    .flatMap((p) => p.PolicyDocument.Statement)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) =>
      list(s.Action).flatMap((action) =>
        list(s.Resource).map((r) => ({
          action,
          arn: render(r, arnSetting),
          label: render(r, (name) => name),
        })),
      ),
    )
}

// Which setting of serverless.yml holds the ARN of each resource the code records.
const RESOURCE_SETTINGS: Record<
  Exclude<AwsResource, '*' | `table/index/${string}` | 'media-bucket' | `media-bucket/${string}`>,
  string
> = {
  table: 'TABLE_ARN',
  'pii-key': 'PII_KEY_ARN',
  'koogallery-key-secret': 'SECRET_ARN',
  'koogallery-openapi-secret': 'OPENAPI_SECRET_ARN',
  'ws-connections': 'WEBSOCKET_CONNECTIONS_ARN',
}

export const arnOf = (config: ServerlessConfig, resource: AwsResource): string => {
  if (resource === '*') return '*'
  const local = config.custom.settings.local
  if (resource.startsWith('table/index/')) return `${local.TABLE_ARN}${resource.slice('table'.length)}`
  if (resource === 'media-bucket' || resource.startsWith('media-bucket/'))
    return `${local.MEDIA_BUCKET_ARN}${resource.slice('media-bucket'.length)}`
  return local[RESOURCE_SETTINGS[resource as keyof typeof RESOURCE_SETTINGS]] as string
}

/** IAM's wildcards: `*` any run of characters, `?` one; action names ignore case, ARNs do not. */
const wildcard = (pattern: string, value: string, ignoreCase: boolean): boolean =>
  new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    ignoreCase ? 'i' : '',
  ).test(value)

const allows = (grant: Grant, action: string, arn: string): boolean =>
  wildcard(grant.action, action, true) && wildcard(grant.arn, arn, false)

/**
 * Granted for Lambda itself (the runtime writes logs, the SQS and DynamoDB Streams event sources
 * poll, a stream's failure destination is sent to), not sent by our code.
 */
const USED_BY_LAMBDA = new Set([
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:SendMessage',
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
])

export interface IamReport {
  /** recorded commands the function's role does not allow: each would fail in AWS */
  denied: string[]
  /** functions a test loaded that recorded no command: their check would be vacuous */
  silent: string[]
  /** functions of serverless.yml no test loaded: their roles are not checked */
  untested: string[]
  /** functions a test built itself (not in serverless.yml, never deployed): not checked */
  undeclared: string[]
  /** per function, grants no recorded command used (candidates to remove, or paths no test reaches) */
  unexercised: string[]
}

/** Compares what each function's code sent during the tests with what its role allows. */
export const checkRoles = (config: ServerlessConfig, entries: AwsCommandLogEntry[]): IamReport => {
  const declared = (fn: string) => config.functions[fn] !== undefined
  const loaded = new Set(entries.map((e) => e.fn))
  // Each test file has its own module registry, so the same line can come from several files.
  const commands = [
    ...new Map(
      entries
        .filter((e): e is CommandEntry => e.kind === 'command' && declared(e.fn))
        .map((c) => [`${c.fn}\u0000${c.action}\u0000${c.resource}`, c]),
    ).values(),
  ]
  const denied: string[] = []
  // which grants of which function some command needed
  const used = new Set<string>()
  const key = (fn: string, g: Grant) => `${fn}\u0000${g.action}\u0000${g.arn}`
  for (const c of commands) {
    const arn = arnOf(config, c.resource)
    const granting = grantsOf(config, c.fn).filter((g) => allows(g, c.action, arn))
    if (granting.length === 0) denied.push(`${c.fn}: ${c.action} on ${arn} (e.g. ${c.example})`)
    for (const g of granting) used.add(key(c.fn, g))
  }
  const sending = new Set(commands.map((c) => c.fn))
  const unexercised: string[] = []
  for (const fn of Object.keys(config.functions).filter((f) => loaded.has(f))) {
    const idle = new Map<string, string[]>()
    for (const g of grantsOf(config, fn)) {
      if (USED_BY_LAMBDA.has(g.action) || used.has(key(fn, g))) continue
      idle.set(g.action, [...(idle.get(g.action) ?? []), g.label])
    }
    for (const [action, labels] of idle) unexercised.push(`${fn}: ${action} on ${labels.join(', ')}`)
  }
  return {
    denied: denied.sort(),
    silent: [...loaded].filter((fn) => declared(fn) && !sending.has(fn)).sort(),
    untested: Object.keys(config.functions).filter((fn) => !loaded.has(fn)),
    undeclared: [...loaded].filter((fn) => !declared(fn)).sort(),
    unexercised,
  }
}
