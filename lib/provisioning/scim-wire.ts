import { outboundFetch } from '../core/http/outbound.js'
import type { JsonObject } from './kit-json.js'
import type { Outcome } from './pump.js'
import { type OpsCase, retryAfterMs, safeDetail, scimProblem, withOpsCase } from './scim-resources.js'

/** The same 5 s a workbench provider gets. */
const CALL_TIMEOUT_MS = 5000

/**
 * `Retry-After` on a 429 or 503: a wait this short is waited out within the call (at most twice a
 * call, and 15 s in all for a delivery: the pump's run has a budget); a longer one ends the
 * delivery, and the pump retries no earlier than the server asked.
 */
export const SHORT_RETRY_AFTER_MS = 5000
const MAX_WAITS_PER_CALL = 2
const WAIT_BUDGET_MS = 15_000

export interface Answer {
  status: number
  body: JsonObject | undefined
  /** the `ETag` header, when the server sent one */
  etag?: string
  /** what `Retry-After` asked of a 429 or 503 not waited out here */
  retryAfterMs?: number
}

/** What the server says it supports (RFC 7643 §5); without the document: PATCH yes, ETags no. */
interface Support {
  patch: boolean
  etag: boolean
}

/** A failure that ends the delivery (the pump retries it later, from the start). */
export class Stop extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.message)
  }
}

export interface ConversationOptions {
  /** how the server wants PATCH ops spelt (the setting's `scimOpsCase`) */
  opsCase?: OpsCase
  /** waits out a short `Retry-After` (tests make it instant) */
  sleep?: (ms: number) => Promise<void>
}

/**
 * One SCIM conversation with a server, for one delivery: the bearer token, the content type it
 * accepts (`application/scim+json`, or `application/json` once it answered 415), whether it
 * refused PATCH (then PUT, for the rest of the delivery), how it wants PATCH ops spelt, and how
 * long it asked to be left alone.
 */
export class Conversation {
  private contentType = 'application/scim+json'
  private waitedMs = 0
  patchRefused = false
  support: Support = { patch: true, etag: false }
  /** what was sent of the members, masked in any detail the server echoes */
  readonly sent: string[] = []
  private readonly opsCase: OpsCase
  private readonly sleep: (ms: number) => Promise<void>

  constructor(
    private readonly base: string,
    private readonly token: string,
    options: ConversationOptions = {},
  ) {
    this.opsCase = options.opsCase ?? 'lower'
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  }

  async call(method: string, path: string, body?: JsonObject, ifMatch?: string): Promise<Answer> {
    // every PATCH op spelt as the server wants it
    const payload = body && method === 'PATCH' ? withOpsCase(body, this.opsCase) : body
    let switched = false
    let waits = 0
    for (;;) {
      const res = await outboundFetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/scim+json, application/json',
          authorization: `Bearer ${this.token}`,
          ...(payload ? { 'content-type': this.contentType } : {}),
          ...(ifMatch ? { 'if-match': ifMatch } : {}),
        },
        body: payload && JSON.stringify(payload),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      })
      if (res.status === 415 && payload && !switched && this.contentType !== 'application/json') {
        this.contentType = 'application/json'
        switched = true
        continue
      }
      let retryAfter: number | undefined
      if (res.status === 429 || res.status === 503) {
        retryAfter = retryAfterMs(res.headers.get('retry-after'), Date.now())
        const short =
          retryAfter !== undefined &&
          retryAfter <= SHORT_RETRY_AFTER_MS &&
          waits < MAX_WAITS_PER_CALL &&
          this.waitedMs + retryAfter <= WAIT_BUDGET_MS
        if (short) {
          waits++
          this.waitedMs += retryAfter ?? 0
          await this.sleep(retryAfter ?? 0)
          continue
        }
      }
      const text = await res.text()
      let parsed: unknown
      try {
        parsed = text ? JSON.parse(text) : undefined
      } catch {
        parsed = undefined
      }
      const obj =
        parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined
      return {
        status: res.status,
        body: obj,
        ...(res.headers.get('etag') ? { etag: res.headers.get('etag') ?? undefined } : {}),
        ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
      }
    }
  }

  /** Ends the delivery with what the server said: its scimType (or status) and a masked detail. */
  fail(answer: Answer, doing: string): never {
    const problem = scimProblem(answer.status, answer.body)
    const detail = safeDetail(problem.detail, this.sent)
    const wait =
      answer.retryAfterMs === undefined ? '' : ` (asked to wait ${Math.ceil(answer.retryAfterMs / 1000)} s)`
    throw new Stop({
      ok: false,
      httpStatus: answer.status,
      code: problem.scimType ?? problem.status,
      message: `${doing}: HTTP ${answer.status}${detail ? ` ${detail}` : ''}${wait}`,
      ...(answer.retryAfterMs !== undefined ? { retryAfterMs: answer.retryAfterMs } : {}),
    })
  }

  /** The server's configuration; one that asks to be left alone ends the delivery there. */
  async discover() {
    const answer = await this.call('GET', '/ServiceProviderConfig')
    if (answer.status === 429 || answer.status === 503) this.fail(answer, 'configuration')
    const flag = (name: string) => {
      const v = answer.body?.[name]
      return v && typeof v === 'object' && !Array.isArray(v) ? v.supported : undefined
    }
    if (answer.status !== 200 || !answer.body) return
    this.support = { patch: flag('patch') !== false, etag: flag('etag') === true }
  }
}

export const ok = (status: number) => status >= 200 && status < 300
export const idOf = (r: JsonObject | undefined) => (typeof r?.id === 'string' ? r.id : undefined)

/** A resource's version: its `meta.version`, else the `ETag` the answer carried. */
export const versionOf = (r: JsonObject | undefined, etag?: string) => {
  const meta = r?.meta
  return meta && typeof meta === 'object' && !Array.isArray(meta) && typeof meta.version === 'string'
    ? meta.version
    : etag
}

/** The resources of a ListResponse, objects only. */
export const resourcesOf = (answer: Answer): JsonObject[] => {
  const found = answer.body?.Resources
  return Array.isArray(found)
    ? found.filter((r): r is JsonObject => Boolean(r) && typeof r === 'object' && !Array.isArray(r))
    : []
}
