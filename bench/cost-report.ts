import { type Activity, directoryWritesPerDay, FLEET, MEMBER_DAY } from './member-day.js'
import { PRICES as P, PRICES_AS_OF } from './prices.js'
import { fmt, percentile, table, verdict } from './stats.js'
import type { Footprint } from './storage.js'

/** What one kind of call cost over the measured day, summed over the tenant's members. */
export interface CallStats {
  fn: string
  memoryMb: number
  signedIn: boolean
  calls: number
  requests: number
  readUnits: number
  writeUnits: number
  ms: number[]
  responseBytes: number
  logBytes: number
  /** data keys a call unwraps when its container has none cached (measured after the day) */
  dataKeys?: { tenant: number; platform: number }
}

export interface CommandRow {
  command: string
  requests: number
  reported: number
  /** the application client's tally of reported units */
  client: number
  local: number
  aws: number
  transactionIndex: number
  sizeRule: number
}

export interface Measured {
  name: string
  requests: number
  readUnits: number
  p50: number
}

export interface ReportInput {
  day: Map<string, CallStats>
  members: number
  commands: CommandRow[]
  calibration: (string | number)[][]
  stored: Footprint
  session: [Measured, Measured, Measured]
  initMs: Record<string, number>
}

const GB = 1024 ** 3
const MONTH_DAYS = 30.4
const usd = (n: number) => (Math.abs(n) >= 0.001 ? `$${n.toFixed(4)}` : `$${n.toFixed(6)}`)
const signed = (n: number) => `${n >= 0 ? '+' : '−'}${usd(Math.abs(n))}`
const share = (n: number, total: number) => `${fmt((100 * n) / total, 1)} %`

/**
 * A data key is unwrapped when the container no longer holds it: a new container, or, for a
 * tenant's key, a cache smaller than the tenants it serves, emptied oldest first while any
 * container serves any tenant. The platform's key, wanted by most calls, is back at once.
 */
const tenantKeyMissRate = Math.min(
  1,
  Math.max(0, 1 - FLEET.cachedDataKeysPerContainer / FLEET.tenants) + FLEET.coldStartShare,
)
const misses = (s: CallStats, tenantRate = tenantKeyMissRate) =>
  s.calls * ((s.dataKeys?.tenant ?? 0) * tenantRate + (s.dataKeys?.platform ?? 0) * FLEET.coldStartShare)

/** The parts of one kind of call's bill over the measured day (all members), in USD. */
const billOf = (
  s: CallStats,
  initMs: Record<string, number>,
  options: { lambdaScale?: number; tenantKeyMissRate?: number } = {},
) => {
  const billedMs = s.ms.reduce((n, ms) => n + Math.ceil(ms * (options.lambdaScale ?? 1)), 0)
  const gbSeconds =
    ((s.memoryMb / 1024) * (billedMs + s.calls * FLEET.coldStartShare * (initMs[s.fn] ?? 0))) / 1000
  const unwrapped = misses(s, options.tenantKeyMissRate)
  return {
    'API Gateway HTTP API requests': (s.calls / 1e6) * P.apiGatewayPerMillionRequests.usd,
    'Lambda requests': (s.calls / 1e6) * P.lambdaPerMillionRequests.usd,
    'Lambda compute (arm64)': gbSeconds * P.lambdaArmPerGbSecond.usd,
    'DynamoDB reads': (s.readUnits / 1e6) * P.dynamoPerMillionReadUnits.usd,
    'DynamoDB writes': (s.writeUnits / 1e6) * P.dynamoPerMillionWriteUnits.usd,
    // each miss reads the wrapped key (one consistent GetItem of a small item) and asks KMS
    'DynamoDB reads of wrapped data keys': (unwrapped / 1e6) * P.dynamoPerMillionReadUnits.usd,
    'KMS Decrypt of data keys': (unwrapped / 10_000) * P.kmsPer10kRequests.usd,
    'CloudWatch Logs (ingested, kept a month)':
      ((s.logBytes + s.calls * FLEET.platformLogBytesPerInvocation) / GB) *
      (P.logsIngestPerGb.usd + P.logsStoragePerGbMonth.usd),
    'Data transfer out':
      ((s.responseBytes + s.calls * FLEET.gatewayResponseOverheadBytes) / GB) * P.transferOutPerGb.usd,
    gbSeconds,
    unwrapped,
  }
}

type Part = Exclude<keyof ReturnType<typeof billOf>, 'gbSeconds' | 'unwrapped'>

/** docs/benchmarks.md's cost section: the member-day, the measurements, the prices and the bill. */
export const costReport = ({ day, members, commands, calibration, stored, session, initMs }: ReportInput) => {
  const perMonth = FLEET.workingDaysPerMonth / members
  const fleetMembers = FLEET.tenants * FLEET.membersPerTenant
  const calls = [...day.entries()]
  const sum = (f: (s: CallStats) => number) => calls.reduce((n, [, s]) => n + f(s), 0)
  const monthly = (s: CallStats, options?: Parameters<typeof billOf>[2]) => {
    const { gbSeconds, unwrapped, ...parts } = billOf(s, initMs, options)
    const scaled = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v * perMonth]))
    return {
      parts: scaled as Record<Part, number>,
      gbSeconds: gbSeconds * perMonth,
      unwrapped: unwrapped * perMonth,
    }
  }
  const callTotal = (s: CallStats) => Object.values(monthly(s).parts).reduce((a, b) => a + b, 0)

  const expiringBytes = Object.values(stored.expiring).reduce(
    (n, e) => n + e.bytesPerDay * e.lifetimeDays * (FLEET.workingDaysPerMonth / MONTH_DAYS),
    0,
  )
  const storedBytes =
    stored.staticBytes + stored.permanentBytesPerDay * FLEET.permanentGrowthDays + expiringBytes
  const tableShare = stored.staticTableBytes / stored.staticBytes
  // DynamoDB asks KMS for the table key at most every 5 minutes per caller (7 function roles)
  const tableKeyRequests = 7 * 12 * 24 * 30
  const fixed =
    2 * P.kmsPerKeyMonth.usd + P.secretPerMonth.usd + (tableKeyRequests / 10_000) * P.kmsPer10kRequests.usd

  const invocations = sum((s) => s.calls) * perMonth
  const gbSeconds = sum((s) => monthly(s).gbSeconds)
  const decrypts = sum((s) => monthly(s).unwrapped)
  const logBytes =
    (sum((s) => s.logBytes) + sum((s) => s.calls) * FLEET.platformLogBytesPerInvocation) * perMonth
  const outBytes =
    (sum((s) => s.responseBytes) + sum((s) => s.calls) * FLEET.gatewayResponseOverheadBytes) * perMonth
  const usage: Record<Part, string> = {
    'API Gateway HTTP API requests': `${fmt(invocations, 0)} requests`,
    'Lambda requests': `${fmt(invocations, 0)} invocations`,
    'Lambda compute (arm64)': `${fmt(gbSeconds, 1)} GB-s`,
    'DynamoDB reads': `${fmt(sum((s) => s.readUnits) * perMonth, 0)} read units`,
    'DynamoDB writes': `${fmt(sum((s) => s.writeUnits) * perMonth, 0)} write units`,
    'DynamoDB reads of wrapped data keys': `${fmt(decrypts, 0)} read units`,
    'KMS Decrypt of data keys': `${fmt(decrypts, 0)} requests`,
    'CloudWatch Logs (ingested, kept a month)': `${fmt(logBytes / 1024, 0)} KB`,
    'Data transfer out': `${fmt(outBytes / 1024, 0)} KB`,
  }
  const lines: [string, string, number][] = [
    ...(Object.keys(usage) as Part[]).map((p): [string, string, number] => [
      p,
      usage[p],
      sum((s) => monthly(s).parts[p]),
    ]),
    [
      'DynamoDB storage and point-in-time recovery',
      `${fmt(storedBytes / 1024, 0)} KB`,
      (storedBytes / GB) * (P.dynamoStoragePerGbMonth.usd + tableShare * P.dynamoPitrPerGbMonth.usd),
    ],
    [
      'Fixed, shared: 2 KMS keys, the table key requests, 1 secret',
      `1/${fleetMembers.toLocaleString('en-US')} of ${usd(fixed)}`,
      fixed / fleetMembers,
    ],
  ]
  const total = lines.reduce((n, l) => n + l[2], 0)
  const topParts = [...lines].sort((a, b) => b[2] - a[2]).slice(0, 3)
  const topCalls = [...calls].sort((a, b) => callTotal(b[1]) - callTotal(a[1])).slice(0, 2)

  const transactionIndex = commands.reduce((n, c) => n + c.transactionIndex, 0) * perMonth
  const lambdaPart = (scale: number) =>
    sum((s) => monthly(s, { lambdaScale: scale }).parts['Lambda compute (arm64)'])
  const keyParts = (rate?: number) =>
    sum((s) => {
      const { parts } = monthly(s, { tenantKeyMissRate: rate })
      return parts['KMS Decrypt of data keys'] + parts['DynamoDB reads of wrapped data keys']
    })
  const sensitivities: [string, number][] = [
    [
      'Lambda bills 3× the in-process time (a slower CPU, real network round trips)',
      lambdaPart(3) - lambdaPart(1),
    ],
    [
      'AWS doubles the index writes of transactions too',
      (transactionIndex / 1e6) * P.dynamoPerMillionWriteUnits.usd,
    ],
    [
      `data keys miss only on cold starts (a cache of ≥ ${FLEET.tenants.toLocaleString('en-US')} keys)`,
      keyParts(FLEET.coldStartShare) - keyParts(),
    ],
  ]

  const signedIn = sum((s) => (s.signedIn ? s.calls : 0)) / members
  const [withCheck, alone, check] = session
  const checkMonthly =
    (signedIn * FLEET.workingDaysPerMonth * check.readUnits * P.dynamoPerMillionReadUnits.usd) / 1e6
  const perDay = (f: (s: CallStats) => number, digits = 1) => fmt(sum(f) / members, digits)

  return `Per active member and month at ${FLEET.tenants.toLocaleString('en-US')} tenants: **${usd(total)}**, target ≤ $0.01 ${verdict(total <= 0.01)}.
The largest parts: ${topParts.map((l) => `${l[0]} (${share(l[2], total)})`).join(', ')}. The costliest calls:
${topCalls.map(([label, s]) => `${label} (${share(callTotal(s), total)}, ${fmt(s.calls / members, 0)} a member-day)`).join(' and ')}.

### A typical member-day
What one active member's working day asks of the API (bench/member-day.ts). Reads are the
member's own; directory writes are the administrator's, averaged over the tenant: ${fmt(directoryWritesPerDay, 1)} per
member-day, "a few" as asked, far above what a directory sees (a 15 % yearly turnover is about
0.001 joiners per member-day), so writes are over- rather than under-counted.

${table(
  ['activity', 'per member-day', 'why'],
  (Object.keys(MEMBER_DAY) as Activity[]).map((a) => [a, MEMBER_DAY[a].perDay, MEMBER_DAY[a].why]),
)}

The fleet: ${FLEET.tenants.toLocaleString('en-US')} tenants of ${FLEET.membersPerTenant} members (the basic editions' limit; most tenants are small) =
${fleetMembers.toLocaleString('en-US')} active members, ${FLEET.workingDaysPerMonth} working days a month. Members hold a role with \`tenant.read\` and
\`members.read\`: the code gates the tenant view and the contacts behind those permissions.

### Measured per call
One tenant of ${members} members lives that day through the real handlers (in-process, API Gateway v2
events) against DynamoDB Local. DynamoDB requests are counted by the application's client;
capacity units are DynamoDB's answers to \`ReturnConsumedCapacity\`, corrected where DynamoDB
Local departs from AWS (below). Lambda time is the handler's in-process time (the model's own
reads excluded), rounded up to the millisecond as Lambda bills, at the function's memory in
serverless.yml; ${FLEET.coldStartShare * 100} % of invocations also pay the function's cold init measured above (init is billed
since 2025-08). In-process time is a lower bound: real round trips to DynamoDB and Graviton's speed
differ (see the sensitivities). "data keys": the tenant's and the platform's data keys a call unwraps when its container has none
cached.

${table(
  [
    'call',
    'function',
    'per member-day',
    'DynamoDB requests',
    'read units',
    'write units',
    'ms mean',
    'ms p50',
    'response bytes',
    'data keys',
    'USD per member-month',
  ],
  calls.map(([label, s]) => [
    label,
    `${s.fn} (${s.memoryMb} MB)`,
    fmt(s.calls / members, 1),
    fmt(s.requests / s.calls, 1),
    fmt(s.readUnits / s.calls, 1),
    fmt(s.writeUnits / s.calls, 1),
    fmt(s.ms.reduce((a, b) => a + b, 0) / s.calls, 1),
    fmt(percentile(s.ms, 50), 1),
    fmt(s.responseBytes / s.calls, 0),
    s.dataKeys ? `${s.dataKeys.tenant} + ${s.dataKeys.platform}` : '',
    usd(callTotal(s)),
  ]),
)}

A member-day: ${perDay((s) => s.calls)} API calls, ${perDay((s) => s.requests)} DynamoDB requests, ${perDay((s) => s.readUnits)} read units, ${perDay((s) => s.writeUnits)} write units,
${perDay((s) => s.logBytes, 0)} bytes of logs written by the code.

### DynamoDB Local's capacity figures
DynamoDB Local answers \`ReturnConsumedCapacity\` for every command kind the application sends,
though not always with AWS's figure. Known cases, driven through the application's client:

${table(['case', 'DynamoDB Local', 'AWS', 'the model counts', ''], calibration)}

(*) AWS's minimum charge for a read request; the model's assumption. Scan is not probed: no
request path may scan.

So the model takes Local's figures as they are, except that **TransactWriteItems** are computed
from item sizes as AWS documents them: each item's image is read before and after (outside the
application's client), 1 unit per KB started of the larger image, twice (prepare and commit); a
ConditionCheck costs its item's size the same way; an index entry that appears or goes is one
write, one that moves two, counted once (AWS propagates index entries after the commit).
**BatchGetItem** adds 1 unit (0.5 eventually consistent) per key that found nothing, and a **Query**
that finds nothing counts 1 (0.5). Single-item writes are sized by the same rules as a check on
them. The day's requests by command:

${table(
  [
    'command',
    'requests',
    'with a capacity report',
    'units reported',
    'the model counts',
    'single writes sized by the rules',
  ],
  commands.map((c) => [
    c.command,
    c.requests,
    c.reported,
    fmt(c.local, 1),
    fmt(c.aws, 1),
    c.sizeRule ? fmt(c.sizeRule, 1) : '',
  ]),
)}

The application client's own tally of reported units over the same requests: ${fmt(
    commands.reduce((n, c) => n + c.client, 0),
    1,
  )}.

### Prices
AWS list prices, us-east-1, on demand, without free tiers or volume tiers, as published in
${PRICES_AS_OF}; bench/prices.ts holds them, to re-check before quoting:

${table(
  ['item', 'USD'],
  Object.values(P).map((p) => [p.label, String(p.usd)]),
)}

### Per active member per month
${table(
  ['part', 'usage', 'USD', 'share'],
  [
    ...lines.map((l) => [l[0], l[1], usd(l[2]), share(l[2], total)]),
    ['**total**', '', `**${usd(total)}**`, '100 %'],
  ],
)}

- **Data keys**: a container keeps at most ${FLEET.cachedDataKeysPerContainer} unwrapped data keys and drops the oldest first, while
  any container serves any of the ${FLEET.tenants.toLocaleString('en-US')} tenants, so a tenant's key is missing ${fmt(tenantKeyMissRate * 100, 0)} % of the times it is
  wanted (1 − ${FLEET.cachedDataKeysPerContainer}/${FLEET.tenants.toLocaleString('en-US')}, plus cold starts); the platform's key, wanted by most calls, only after a cold
  start. A miss is a GetItem of the wrapped key and a KMS Decrypt. DynamoDB's own use of the
  table's key (at most a Decrypt every 5 minutes per caller role, 7 roles) is in the fixed line.
- **Storage**, measured item by item (AWS's size rules, 100 bytes of overhead per item and per index
  entry): ${fmt(stored.staticBytes / 1024, 1)} KB per member once set up; ${fmt(stored.permanentBytesPerDay, 0)} bytes a member-day that never expire, counted
  for a year (${FLEET.permanentGrowthDays} working days); what expires, held for its TTL: ${Object.entries(
    stored.expiring,
  )
    .map(([e, v]) => `${e} ${fmt(v.bytesPerDay, 0)} B a day for ${fmt(v.lifetimeDays, 0)} d`)
    .join(', ')}. Point-in-time recovery is billed on the table's part (${fmt(tableShare * 100, 0)} %).
- **Logs**: every byte the handlers wrote at \`LOG_LEVEL=info\` (EMF metrics included) plus
  ${FLEET.platformLogBytesPerInvocation} bytes of Lambda's START, END and REPORT lines per invocation (assumed).
- **Data transfer**: response bodies and headers as the handlers return them, plus
  ${FLEET.gatewayResponseOverheadBytes} bytes a response for what API Gateway adds (assumed).
- Not counted: free tiers, request bodies (inbound is free), the scheduled lifecycle job (2,880 runs
  a month for the whole platform), CloudWatch metrics and alarms, support.

Sensitivities:

${table(
  ['if', 'USD per member-month', 'total'],
  sensitivities.map(([name, d]) => [name, signed(d), usd(total + d)]),
)}

### The live session check
Every signed-in request reads the account, the session, the membership and the tenant in one
consistent BatchGetItem before its use case runs. GET /v1/tenant with the check, against its use
case alone (a single GetItem):

${table(
  ['', 'DynamoDB requests', 'read units', 'p50 ms'],
  session.map((s) => [s.name, fmt(s.requests, 1), fmt(s.readUnits, 1), fmt(s.p50, 2)]),
)}

The check adds ${fmt(withCheck.requests - alone.requests, 0)} request and ${fmt(withCheck.readUnits - alone.readUnits, 1)} read units to every signed-in call. A member-day makes
${fmt(signedIn, 0)} signed-in calls: the check costs ${usd(checkMonthly)} per member-month in reads (${share(checkMonthly, total)} of the total).
`
}
