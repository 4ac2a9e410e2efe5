import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { OaepProfile } from '../../lib/provisioning/client-secret.js'
import type { KitInterface, KitVersion } from '../../lib/provisioning/kit-bodies.js'
import { bodySign, KIT_RESULT } from '../../lib/provisioning/kit-response.js'
import { verifyV1, verifyV2 } from '../../lib/provisioning/kit-sign.js'
import { DecryptionError, decryptClientSecret, loadOrCreateKeys } from './provider/keys.js'
import { KIT_INTERFACES, kitRoute, readKitCall } from './provider/kit.js'
import { login, type PendingLogins } from './provider/login.js'
import { homePage, page } from './provider/pages.js'
import { handleScim, logScim, SCIM_BASE, type ScimOpsCase } from './provider/scim.js'
import { applyCall, emptyState, loadState, type ProviderState, saveState } from './provider/state.js'

/**
 * A stand-in app provider for the local stack (`npm run provider`, and the tests): the receiving
 * side of the cloud workbench's sync interfaces in both dialects (protocol doc C), as a provider
 * written from Huawei's sample would be. It checks every signature (lib/provisioning's checks),
 * decrypts the client secret with its own RSA key, keeps what it received, answers as a provider
 * does (failures on demand too), and signs users in through the tenant's OAuth2 with the
 * credentials it was sent (protocol doc A.7): the whole loop, grant → sync → sign-in, on one machine.
 * It is a SCIM 2.0 service too (`/scim/v2`, its access key the bearer token: provider/scim.ts),
 * keeping Users and Groups, with failures on demand (429 or 503 with `Retry-After`, …) and, on
 * demand, the capitalised PATCH ops of Microsoft's SCIM SDK only.
 */

/** A failure to answer with instead of success, `times` calls (unset: until cleared), of one interface or all. */
export interface FailSetting {
  code: string
  times?: number
  iface?: KitInterface
}

/** A failure its SCIM service answers with instead, `times` requests (unset: until cleared), of Users or Groups or all. */
export interface ScimFailSetting {
  /** an HTTP status, 400 to 599 (429 and 503 are the ones `Retry-After` goes with) */
  status: number
  times?: number
  /** the `Retry-After` header: seconds, or an HTTP date */
  retryAfter?: string
  on?: 'Users' | 'Groups'
}

export interface ProviderOptions {
  /** 0 or unset: a free port */
  port?: number
  /** the kit-sync access key Atrium signs with; default: kept in `dir`, else made up */
  accessKey?: string
  /** answer every call (or `times` calls) with this result code */
  failWith?: string | FailSetting
  /** where its key pair, access key and what it received are kept across restarts; unset: memory only */
  dir?: string
  /** the OAEP profile it decrypts with: Java's default for OAEPWithSHA-256AndMGF1Padding unless told */
  oaep?: OaepProfile
  /** a line per call received and per sign-in */
  log?: (line: string) => void
  /** how its SCIM service takes PATCH ops (default any case) */
  scimOpsCase?: ScimOpsCase
}

export interface RunningProvider {
  /** `http://localhost:<port>`: the base URL to bind, and `<origin>/callback` the redirect URI */
  origin: string
  publicKeyPem: string
  accessKey: string
  state: ProviderState
  /** changes the failures on demand; no argument (or 000000) answers success again */
  fail(setting?: string | FailSetting): void
  /** its SCIM service's failures on demand; no argument answers again */
  scimFail(setting?: ScimFailSetting): void
  /** how its SCIM service takes PATCH ops from now on */
  scimOpsCase(opsCase: ScimOpsCase): void
  stop(): Promise<void>
}

const MAX_BODY = 4 * 1024 * 1024
const NONCE_WINDOW_MS = 120_000
const KEPT_CALLS = 50
const ACCESS_KEY_FILE = 'access-key'

const readBody = (req: IncomingMessage): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size <= MAX_BODY) chunks.push(c)
    })
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })

const accessKeyFor = (options: ProviderOptions): string => {
  if (options.accessKey) return options.accessKey
  const file = options.dir ? join(options.dir, ACCESS_KEY_FILE) : undefined
  if (file && existsSync(file)) return readFileSync(file, 'utf8').trim()
  const key = `provider-${randomBytes(24).toString('base64url')}`
  if (options.dir && file) {
    mkdirSync(options.dir, { recursive: true })
    writeFileSync(file, key, { mode: 0o600 })
  }
  return key
}

const failSetting = (value: string | FailSetting | undefined): FailSetting | undefined => {
  const setting = typeof value === 'string' ? { code: value } : value
  if (!setting || setting.code === KIT_RESULT.success || setting.code === '') return undefined
  if (!/^\d{6}$/.test(setting.code)) throw new Error(`a result code is six digits, not ${setting.code}`)
  if (setting.times !== undefined && !(Number.isInteger(setting.times) && setting.times > 0))
    throw new Error('times is a positive whole number')
  if (setting.iface !== undefined && !KIT_INTERFACES.includes(setting.iface))
    throw new Error(`no interface ${setting.iface}: ${KIT_INTERFACES.join(', ')}`)
  return { ...setting }
}

const SCIM_OPS_CASES: readonly ScimOpsCase[] = ['any', 'lower', 'capitalized']

const scimFailSetting = (value: ScimFailSetting | null | undefined): ScimFailSetting | undefined => {
  if (!value?.status) return undefined
  const { status, times, retryAfter, on } = value
  if (!Number.isInteger(status) || status < 400 || status > 599) throw new Error('status is 400 to 599')
  if (times !== undefined && !(Number.isInteger(times) && times > 0))
    throw new Error('times is a positive whole number')
  if (retryAfter !== undefined && (typeof retryAfter !== 'string' || retryAfter.trim() === ''))
    throw new Error('retryAfter is seconds or an HTTP date, as a string')
  if (on !== undefined && on !== 'Users' && on !== 'Groups') throw new Error('on is Users or Groups')
  return { status, times, retryAfter, on }
}

/** The setting as /control/fail shows it (`interface`, as it is set). */
const shownFailure = (f: FailSetting | undefined) =>
  f ? { code: f.code, times: f.times, interface: f.iface } : null

const describeFailure = (f: FailSetting | undefined) =>
  f &&
  `${f.code}${f.iface ? ` to ${f.iface}` : ''}${f.times ? `, ${f.times} more time${f.times > 1 ? 's' : ''}` : ''}`

export const startProvider = async (options: ProviderOptions = {}): Promise<RunningProvider> => {
  const keys = await loadOrCreateKeys(options.dir)
  const accessKey = accessKeyFor(options)
  const state = options.dir ? loadState(options.dir) : emptyState()
  const log = options.log ?? (() => undefined)
  let failing = failSetting(options.failWith)
  let scimFailing: ScimFailSetting | undefined
  let scimOps: ScimOpsCase = options.scimOpsCase ?? 'any'
  const nonces = new Map<string, number>() // v2 x-nonce → when it may be forgotten
  const pending: PendingLogins = new Map()
  let origin = ''

  const send = (res: ServerResponse, status: number, type: string, body: string, headers = {}) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers })
    res.end(body)
  }
  const sendPage = (res: ServerResponse, status: number, body: string, headers = {}) =>
    send(res, status, 'text/html; charset=utf-8', body, {
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      ...headers,
    })

  /** A sync call: checked, read, applied, answered as the dialect does (v1 answers carry Body-Sign). */
  const receive = async (
    req: IncomingMessage,
    res: ServerResponse,
    version: KitVersion,
    iface: KitInterface,
  ) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    let record: { flag?: number; tenantId?: string } = {}
    const answer = (resultCode: string, resultMsg: string) => {
      const raw = JSON.stringify({ resultCode, resultMsg })
      send(
        res,
        200,
        'application/json;charset=UTF-8',
        raw,
        version === 'v1' ? { 'Body-Sign': bodySign(accessKey, raw) } : {},
      )
      state.calls.push({ at: new Date().toISOString(), path, iface, ...record, resultCode, resultMsg })
      if (state.calls.length > KEPT_CALLS) state.calls.shift()
      const flag = record.flag === undefined ? '' : ` flag ${record.flag}`
      log(
        `${iface} ${version}${flag}${record.tenantId ? ` tenant ${record.tenantId}` : ''} → ${resultCode} ${resultMsg}`,
      )
    }
    const raw = await readBody(req)
    if (raw === undefined) return answer(KIT_RESULT.invalidParameter, 'the body is too large')
    let body: unknown
    try {
      body = JSON.parse(raw)
    } catch {
      return answer(KIT_RESULT.invalidParameter, 'the body is not JSON')
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return answer(KIT_RESULT.invalidParameter, 'the body is not a JSON object')
    const now = Date.now()
    const verdict =
      version === 'v2' ? verifyV2(accessKey, raw, req.headers, now) : verifyV1(accessKey, raw, req.headers)
    if (verdict !== 'valid')
      return answer(KIT_RESULT.authFailed, `signature ${verdict === 'absent' ? 'headers missing' : verdict}`)
    if (version === 'v2') {
      // a signed request is good once: its nonce is remembered past the timestamp's window
      for (const [n, until] of nonces) if (until < now) nonces.delete(n)
      const nonce = String(req.headers['x-nonce'])
      if (nonces.has(nonce)) return answer(KIT_RESULT.authFailed, 'nonce already used')
      nonces.set(nonce, now + NONCE_WINDOW_MS)
    }
    const read = readKitCall(version, iface, body)
    if (!read.ok) return answer(KIT_RESULT.invalidParameter, read.message)
    const { call } = read
    record = { flag: 'flag' in call ? call.flag : undefined, tenantId: call.tenantId }
    if (failing && (!failing.iface || failing.iface === iface)) {
      const { code } = failing
      if (failing.times !== undefined && --failing.times <= 0) failing = undefined
      return answer(code, 'failure on demand')
    }
    let secret: string | undefined
    if (call.iface === 'applicationSync' && call.flag !== 0) {
      try {
        secret = decryptClientSecret(keys.privateKey, call.clientSecret, options.oaep)
      } catch (err) {
        if (!(err instanceof DecryptionError)) throw err
        return answer(KIT_RESULT.clientSecretFailed, err.message)
      }
    }
    applyCall(state, call, new Date(now).toISOString(), secret)
    if (options.dir) saveState(options.dir, state)
    answer(KIT_RESULT.success, 'success.')
  }

  /** A SCIM request: the bearer token checked, the failure on demand if any, then the service's answer. */
  const receiveScim = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname.slice(SCIM_BASE.length)
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        'cache-control': 'no-store',
        ...headers,
      })
      res.end(body === undefined ? undefined : JSON.stringify(body))
      logScim(state.scim, {
        at: new Date().toISOString(),
        method: req.method ?? '',
        path: `${path}${url.search}`,
        status,
      })
      log(`scim ${req.method} ${path} → ${status}`)
    }
    const error = (status: number, detail: string, scimType?: string) =>
      reply(status, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: String(status),
        ...(scimType ? { scimType } : {}),
        detail,
      })
    const raw = await readBody(req)
    if (req.headers.authorization !== `Bearer ${accessKey}`) return error(401, 'bearer token required')
    if (raw === undefined) return error(413, 'the body is too large')
    const kind = path.split('/')[1]
    if (scimFailing && (!scimFailing.on || scimFailing.on === kind)) {
      const { status, retryAfter } = scimFailing
      if (scimFailing.times !== undefined && --scimFailing.times <= 0) scimFailing = undefined
      return reply(
        status,
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: String(status),
          detail: 'failure on demand',
        },
        retryAfter ? { 'retry-after': retryAfter } : {},
      )
    }
    let body: unknown
    if (raw) {
      const type = String(req.headers['content-type'] ?? '')
      if (!/^application\/(scim\+)?json\b/.test(type))
        return error(415, 'application/scim+json or application/json')
      try {
        body = JSON.parse(raw)
      } catch {
        return error(400, 'the body is not JSON', 'invalidSyntax')
      }
    }
    const ifMatch = req.headers['if-match']
    const answer = handleScim(
      state.scim,
      { method: req.method ?? 'GET', path, query: url.searchParams, ifMatch, body },
      { opsCase: scimOps },
    )
    if (options.dir && req.method !== 'GET') saveState(options.dir, state)
    reply(answer.status, answer.body, answer.headers)
  }

  /** POST /control/scim, JSON: `{ fail: { status, times?, retryAfter?, on? } | null, opsCase? }`. */
  const controlScim = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.origin !== undefined && req.headers.origin !== origin)
      return send(res, 403, 'text/plain', 'forbidden')
    try {
      const input = JSON.parse((await readBody(req)) || '{}') as {
        fail?: ScimFailSetting | null
        opsCase?: ScimOpsCase
      }
      if (input.opsCase !== undefined && !SCIM_OPS_CASES.includes(input.opsCase))
        throw new Error(`opsCase is ${SCIM_OPS_CASES.join(', ')}`)
      if ('fail' in input) scimFailing = scimFailSetting(input.fail)
      if (input.opsCase) scimOps = input.opsCase
    } catch (err) {
      return send(res, 400, 'application/json', JSON.stringify({ error: (err as Error).message }))
    }
    log(`scim: failures on demand ${scimFailing ? JSON.stringify(scimFailing) : 'none'}, ops ${scimOps}`)
    send(res, 200, 'application/json', JSON.stringify({ failing: scimFailing ?? null, opsCase: scimOps }))
  }

  /** POST /control/fail, JSON or the home page's form: `{ code, times?, interface? }`; 000000 clears. */
  const control = async (req: IncomingMessage, res: ServerResponse) => {
    // the page's form only: a form on another site must not drive this one
    if (req.headers.origin !== undefined && req.headers.origin !== origin)
      return send(res, 403, 'text/plain', 'forbidden')
    const raw = (await readBody(req)) ?? ''
    // the page's form, or JSON (curl -d sends JSON with a form's content type unless told)
    const isForm =
      String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') &&
      !raw.trimStart().startsWith('{')
    let input: Record<string, unknown>
    try {
      input = isForm
        ? Object.fromEntries(new URLSearchParams(raw))
        : (JSON.parse(raw || '{}') as Record<string, unknown>)
      const times = input.times === '' || input.times === undefined ? undefined : Number(input.times)
      failing = failSetting({
        code: String(input.code ?? ''),
        times,
        iface:
          input.interface === undefined || input.interface === ''
            ? undefined
            : (String(input.interface) as KitInterface),
      })
    } catch (err) {
      return send(res, 400, 'application/json', JSON.stringify({ error: (err as Error).message }))
    }
    log(`failures on demand: ${describeFailure(failing) ?? 'none'}`)
    if (isForm) return send(res, 303, 'text/plain', '', { location: '/' })
    send(res, 200, 'application/json', JSON.stringify({ failing: shownFailure(failing) }))
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin)
    const run = async () => {
      const kit = kitRoute(url.pathname)
      if (kit && req.method === 'POST') return receive(req, res, kit.version, kit.iface)
      if (kit) return send(res, 405, 'text/plain', 'POST only', { allow: 'POST' })
      if (url.pathname === '/control/fail' && req.method === 'POST') return control(req, res)
      if (url.pathname.startsWith(`${SCIM_BASE}/`)) return receiveScim(req, res, url)
      if (url.pathname === '/control/scim' && req.method === 'POST') return controlScim(req, res)
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed')
      switch (url.pathname) {
        case '/':
          return sendPage(
            res,
            200,
            homePage(state, {
              origin,
              accessKeyHint: `…${accessKey.slice(-4)}`,
              failing: describeFailure(failing),
            }),
          )
        case '/public-key.pem':
          return send(res, 200, 'text/plain; charset=utf-8', keys.publicKeyPem)
        case '/provisioning.json':
          // the body of PUT /v1/apps/{appId}/provisioning that binds an app to this provider
          // (?dialect=scim: to its SCIM service, departments as Groups)
          return send(
            res,
            200,
            'application/json',
            JSON.stringify(
              url.searchParams.get('dialect') === 'scim'
                ? {
                    dialect: 'scim',
                    baseUrl: `${origin}${SCIM_BASE}`,
                    bearerToken: accessKey,
                    scimGroups: true,
                  }
                : { dialect: 'workbench-v2', baseUrl: origin, accessKey, publicKeyPem: keys.publicKeyPem },
            ),
          )
        case '/control/fail':
          return send(res, 200, 'application/json', JSON.stringify({ failing: shownFailure(failing) }))
        case '/control/scim':
          return send(
            res,
            200,
            'application/json',
            JSON.stringify({ failing: scimFailing ?? null, opsCase: scimOps }),
          )
        case '/login':
        case '/callback': {
          const outcome = await login(url, req, { origin, state, pending })
          if (outcome.log) log(outcome.log)
          if (outcome.redirect)
            return send(res, 303, 'text/plain', '', { location: outcome.redirect, ...outcome.headers })
          return sendPage(res, outcome.status, outcome.page ?? '', outcome.headers)
        }
        default:
          return sendPage(res, 404, page('Not found', '<p><a href="/">The provider</a></p>'))
      }
    }
    run().catch((err: Error) => {
      log(`failed: ${err.message}`)
      if (!res.headersSent) sendPage(res, 500, page('The provider failed', '<p>See its output.</p>'))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', resolve)
  })
  origin = `http://localhost:${(server.address() as AddressInfo).port}`
  return {
    origin,
    publicKeyPem: keys.publicKeyPem,
    accessKey,
    state,
    fail: (setting) => {
      failing = failSetting(setting)
    },
    scimFail: (setting) => {
      scimFailing = scimFailSetting(setting)
    },
    scimOpsCase: (opsCase) => {
      if (!SCIM_OPS_CASES.includes(opsCase)) throw new Error(`opsCase is ${SCIM_OPS_CASES.join(', ')}`)
      scimOps = opsCase
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
