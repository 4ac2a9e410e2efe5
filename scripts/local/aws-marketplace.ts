import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PLANS } from '../../lib/platform/seed-data.js'

/**
 * AWS Marketplace as the local stack meets it: the two APIs the registration landing calls
 * (Metering's ResolveCustomer, Entitlement Service's GetEntitlements) on the AWS JSON 1.1 wire the
 * SDK speaks, so the functions' own SDK clients run unchanged against it (`AWS_MARKETPLACE_ENDPOINT`),
 * and a page where a local buyer subscribes to an edition and is sent on to the registration
 * landing with a registration token, as AWS Marketplace sends its buyers. Its state lives in
 * memory: a restart forgets its buyers (their workbenches stay).
 */

export const LOCAL_AWS_PRODUCT_CODE = 'local-atrium-product'
const JSON_11 = 'application/x-amz-json-1.1'
const TOKEN_TTL_MS = 60 * 60_000

interface Buyer {
  customer: string
  account: string
  /** the edition sku, the entitlement's dimension */
  dimension: string
  expires?: Date
}

export interface RunningAwsMarketplace {
  /** `http://localhost:<port>`: the APIs' endpoint and the buyer's page */
  origin: string
  /** subscribes a customer to an edition; the token the registration landing resolves */
  subscribe(buyer: { dimension: string; months?: number }): { token: string; customer: string }
  stop(): Promise<void>
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:15px/1.6 system-ui,sans-serif;max-width:560px;margin:48px auto;padding:0 16px}
label{display:block;margin:12px 0 4px}input,select{width:100%;padding:6px}button{margin-top:16px;padding:8px 16px}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let data = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      data += c
      if (data.length > 64 * 1024) req.destroy(new Error('body too large'))
    })
    req.on('end', () => resolve(data))
    req.on('error', reject)
  })

const send = (res: ServerResponse, status: number, type: string, body: string) => {
  res.writeHead(status, { 'content-type': type })
  res.end(body)
}

const awsError = (res: ServerResponse, type: string, message: string) =>
  send(res, 400, JSON_11, JSON.stringify({ __type: type, message }))

const editions = PLANS.map((p) => ({ sku: p.skuCode, name: p.name }))

export const startAwsMarketplace = async (options: {
  port?: number
  /** where a subscribed buyer is sent: Atrium's registration landing */
  registrationUrl: string
}): Promise<RunningAwsMarketplace> => {
  const buyers = new Map<string, Buyer>()
  const tokens = new Map<string, { customer: string; until: number }>()
  let counter = 0

  const subscribe: RunningAwsMarketplace['subscribe'] = ({ dimension, months }) => {
    const customer = `local-${(++counter).toString().padStart(4, '0')}-${randomBytes(3).toString('hex')}`
    const expires = months ? new Date(Date.now() + months * 30 * 86_400_000) : undefined
    buyers.set(customer, { customer, account: String(100000000000 + counter), dimension, expires })
    const token = randomBytes(24).toString('base64url')
    tokens.set(token, { customer, until: Date.now() + TOKEN_TTL_MS })
    return { token, customer }
  }

  // the two APIs, as the SDK calls them: POST / with the operation in X-Amz-Target
  const api = (res: ServerResponse, target: string, input: Record<string, unknown>) => {
    if (target === 'AWSMPMeteringService.ResolveCustomer') {
      const held = tokens.get(String(input.RegistrationToken ?? ''))
      if (!held) return awsError(res, 'InvalidTokenException', 'registration token is invalid')
      if (held.until < Date.now()) return awsError(res, 'ExpiredTokenException', 'registration token expired')
      const buyer = buyers.get(held.customer) as Buyer
      return send(
        res,
        200,
        JSON_11,
        JSON.stringify({
          CustomerIdentifier: buyer.customer,
          CustomerAWSAccountId: buyer.account,
          ProductCode: LOCAL_AWS_PRODUCT_CODE,
        }),
      )
    }
    if (target === 'AWSMPEntitlementService.GetEntitlements') {
      const filter = (input.Filter ?? {}) as Record<string, string[]>
      const wanted = filter.CUSTOMER_IDENTIFIER ?? []
      const entitlements =
        input.ProductCode === LOCAL_AWS_PRODUCT_CODE
          ? [...buyers.values()]
              .filter((b) => wanted.length === 0 || wanted.includes(b.customer))
              .map((b) => ({
                ProductCode: LOCAL_AWS_PRODUCT_CODE,
                Dimension: b.dimension,
                CustomerIdentifier: b.customer,
                Value: { BooleanValue: true },
                // the wire carries epoch seconds
                ...(b.expires ? { ExpirationDate: b.expires.getTime() / 1000 } : {}),
              }))
          : []
      return send(res, 200, JSON_11, JSON.stringify({ Entitlements: entitlements }))
    }
    return awsError(res, 'UnknownOperationException', `unknown operation ${target}`)
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const target = req.headers['x-amz-target']
      if (req.method === 'POST' && typeof target === 'string') {
        let input: Record<string, unknown>
        try {
          input = JSON.parse((await readBody(req)) || '{}')
        } catch {
          return awsError(res, 'SerializationException', 'body is not JSON')
        }
        return api(res, target, input)
      }
      if (req.method === 'GET' && url.pathname === '/') {
        const options = editions
          .map((e) => `<option value="${escapeHtml(e.sku)}">${escapeHtml(e.name)}</option>`)
          .join('')
        return send(
          res,
          200,
          'text/html; charset=utf-8',
          page(
            'AWS Marketplace (local stand-in)',
            `<p>Subscribe to an Atrium edition as a new AWS customer; the next page sends you to Atrium's registration landing, as AWS Marketplace does.</p>
<form method="post" action="/subscribe"><label>Edition</label><select name="dimension">${options}</select>
<label>Contract months (empty: a subscription without an end)</label><input name="months" inputmode="numeric">
<button type="submit">Subscribe</button></form>`,
          ),
        )
      }
      if (req.method === 'POST' && url.pathname === '/subscribe') {
        const form = new URLSearchParams(await readBody(req))
        const dimension = form.get('dimension') ?? ''
        const months = Number(form.get('months') || 0)
        if (!editions.some((e) => e.sku === dimension) || !Number.isInteger(months) || months < 0) {
          return send(res, 400, 'text/plain', 'choose an edition; months is a whole number')
        }
        const { token, customer } = subscribe({ dimension, months: months || undefined })
        return send(
          res,
          200,
          'text/html; charset=utf-8',
          page(
            'Set up your Atrium account',
            `<p>Subscribed as customer <code>${escapeHtml(customer)}</code>.</p>
<form method="post" action="${escapeHtml(options.registrationUrl)}">
<input type="hidden" name="x-amzn-marketplace-token" value="${escapeHtml(token)}">
<label>Company</label><input name="company" value="Local buyer ${counter}">
<label>E-mail (optional: a new login; without it Atrium issues one)</label><input name="email" type="email">
<button type="submit">Set up your account</button></form>`,
          ),
        )
      }
      send(res, 404, 'text/plain', 'not found')
    })().catch(() => send(res, 500, 'text/plain', 'stand-in failed'))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://localhost:${port}`,
    subscribe,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
