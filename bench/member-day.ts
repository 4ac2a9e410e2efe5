/**
 * A typical member-day: what one active member's working day asks of the API, per member and on
 * average over a tenant. The cost model (bench/cost.ts) runs exactly these requests through the
 * real handlers; the rationale lands in docs/benchmarks.md next to the figures.
 */
export const WORKDAY_HOURS = 8
export const ACCESS_TOKEN_MINUTES = 15

export const MEMBER_DAY = {
  logins: {
    perDay: 1,
    why: 'one password login at the start of the day (the refresh token would carry a second device)',
  },
  refreshes: {
    perDay: (WORKDAY_HOURS * 60) / ACCESS_TOKEN_MINUTES - 1,
    why: `a workbench left open all day renews its ${ACCESS_TOKEN_MINUTES}-minute access token every time it lapses: ${WORKDAY_HOURS} h → ${(WORKDAY_HOURS * 60) / ACCESS_TOKEN_MINUTES} tokens, the first from the login`,
  },
  homeVisits: {
    perDay: 10,
    why: 'the home page (GET /v1/me, /v1/tenant, /v1/me/workbenches) on opening the workbench and on every return to it, about every 45 minutes',
  },
  memberPages: {
    perDay: 4,
    why: 'contacts: two look-ups a day, each a first page of 25 and the next one',
  },
  departmentTrees: { perDay: 2, why: 'contacts: the org tree, opened twice a day' },
  memberCards: { perDay: 4, why: "contacts: a colleague's card, four a day" },
  adds: { perDay: 0.1, why: 'directory writes, made by the administrator for the whole tenant' },
  removals: { perDay: 0.1, why: 'as many members leave as join, so the tenant keeps its size' },
  edits: { perDay: 1, why: 'name or employee number changed' },
  contactEdits: { perDay: 0.4, why: 'mobile number changed (moves a contact guard)' },
  departmentMoves: { perDay: 0.4, why: 'member put in another department' },
} as const

export type Activity = keyof typeof MEMBER_DAY

/** Directory writes per member-day: "a few", deliberately far above real churn (see the doc). */
export const directoryWritesPerDay = (
  ['adds', 'removals', 'edits', 'contactEdits', 'departmentMoves'] as const
)
  .map((a) => MEMBER_DAY[a].perDay)
  .reduce((a, b) => a + b, 0)

/** The fleet the monthly figure is for. */
export const FLEET = {
  tenants: 1000,
  membersPerTenant: 50,
  workingDaysPerMonth: 21,
  /** share of invocations that start a new execution environment (init is billed since 2025-08) */
  coldStartShare: 0.01,
  /** START, END and REPORT lines Lambda itself writes per invocation */
  platformLogBytesPerInvocation: 300,
  /** what API Gateway adds to a response on the wire (its headers, framing) */
  gatewayResponseOverheadBytes: 200,
  /** per-tenant data keys a container keeps unwrapped (MAX_CACHED in lib/core/crypto/data-keys.ts) */
  cachedDataKeysPerContainer: 500,
  /** working days that items without a TTL (accounts of removed members …) pile up: a first year */
  permanentGrowthDays: 252,
} as const
