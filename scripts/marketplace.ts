import { createDecipheriv, randomBytes } from 'node:crypto'
import {
  appInfoKey,
  authToken,
  bodySignHeader,
  formatCompactTime,
} from '../lib/marketplace/koogallery/protocol.js'
import { signatureV2 } from '../lib/marketplace/koogallery/protocol-v2.js'
import { DEFAULT_PORTS, LOCAL_KOOGALLERY_KEY, runningStackPort } from './local/env.js'
import { saveLocalOrder } from './local/koogallery-openapi.js'

/**
 * `npm run marketplace -- <activity> [--name value …]`: plays KooGallery against the local API
 * (`npm start`, on PORT as npm start has it).
 * Signs the request as the marketplace does, checks the answer's Body-Sign and prints the
 * decrypted appInfo. Defaults make `newInstance` work with no options.
 */
const USAGE = `usage: npm run marketplace -- <activity> [--name value …]
activities: newInstance refreshInstance expireInstance releaseInstance upgrade queryInstance
examples:
  npm run marketplace -- newInstance --customerId acme --skuCode atrium-industrial-professional-basic
  npm run marketplace -- refreshInstance --instanceId <id> --expireTime 20281231000000
  npm run marketplace -- expireInstance --instanceId <id>
  npm run marketplace -- releaseInstance --instanceId <id>
  npm run marketplace -- upgrade --instanceId <id> --skuCode atrium-general-enterprise
  npm run marketplace -- newInstance --customerId acme --skuCode erp-cloud-20   (an app for acme's workbench)
V2 (POST /v1/marketplace/koogallery/v2; the order is left where npm start's open API serves it):
  npm run marketplace -- --v2 newInstance --customerId acme [--skuCode …] [--orderType TRIAL]
  npm run marketplace -- --v2 queryInstance --instanceId <id>
  npm run marketplace -- --v2 refreshInstance --instanceId <id> --scene RENEWAL --expireTime 20291231000000
  npm run marketplace -- --v2 updateInstanceStatus --instanceId <id> --status FREEZE
  npm run marketplace -- --v2 upgradeInstance --instanceId <id> --skuCode atrium-general-enterprise
  npm run marketplace -- --v2 changeInstanceCheck --instanceId <id> --skuCode atrium-general-basic
  npm run marketplace -- --v2 releaseInstance --instanceId <id>
settings: PORT (npm start's, default ${DEFAULT_PORTS.PORT}), KOOGALLERY_KEY (the local key)`

const inAYear = () => formatCompactTime(Date.now() + 365 * 86_400_000, false)
const random = () => randomBytes(4).toString('hex')

const DEFAULTS: Record<string, () => Record<string, string>> = {
  newInstance: () => ({
    customerId: `customer-${random()}`,
    customerName: 'Local Customer',
    businessId: `biz-${random()}`,
    orderId: `order-${random()}`,
    skuCode: 'atrium-general-professional',
    productId: 'atrium-general',
    expireTime: inAYear(),
    trialFlag: '0',
    chargingMode: '1',
    periodType: 'year',
    periodNumber: '1',
    orderAmount: '0.00',
  }),
  refreshInstance: () => ({ orderId: `order-${random()}`, expireTime: inAYear(), trialToFormal: '1' }),
  upgrade: () => ({ orderId: `order-${random()}` }),
}

const decrypt = (key: string, value: string) => {
  const decipher = createDecipheriv('aes-128-cbc', appInfoKey(key), Buffer.from(value.slice(0, 16), 'utf8'))
  return Buffer.concat([decipher.update(Buffer.from(value.slice(16), 'base64')), decipher.final()]).toString(
    'utf8',
  )
}

/** Places an order in the local open API's book (what queryOrder answers) and names its line. */
const placeOrder = (o: { customerId: string; skuCode: string; orderType: string; expireTime: string }) => {
  const orderId = `CS${Date.now().toString(36).toUpperCase()}${random().toUpperCase()}`
  const orderLineId = `${orderId}-000001`
  saveLocalOrder({
    orderId,
    orderType: o.orderType,
    orderLine: [
      {
        orderLineId,
        chargingMode: 'PERIOD',
        periodType: 'year',
        periodNumber: 1,
        expireTime: o.expireTime,
        productInfo: [{ productId: 'atrium', skuCode: o.skuCode, linearValue: 1, productName: o.skuCode }],
      },
    ],
    buyerInfo: { customerId: o.customerId, customerName: 'Local Customer' },
  })
  return { orderId, orderLineId }
}

/** The V2 body of an activity from the options; orders the marketplace would hold are placed first. */
const bodyV2 = (activity: string, options: Record<string, string>): Record<string, unknown> => {
  const { customerId = `customer-${random()}`, skuCode, orderType, expireTime = inAYear(), ...rest } = options
  const order = (type: string, sku = skuCode ?? 'atrium-general-professional') =>
    placeOrder({ customerId, skuCode: sku, orderType: orderType ?? type, expireTime })
  switch (activity) {
    case 'newInstance':
      return { ...order('NEW'), businessId: randomBytes(16).toString('hex'), ...rest }
    case 'refreshInstance':
      return { scene: 'RENEWAL', ...order('RENEW'), expireTime, ...rest }
    case 'upgradeInstance':
      return { ...order('CHANGE', skuCode ?? 'atrium-general-enterprise'), ...rest }
    case 'changeInstanceCheck':
      return {
        productInfo: {
          productId: 'atrium',
          skuCode: skuCode ?? 'atrium-general-basic',
          productName: 'Atrium',
        },
        ...rest,
      }
    default:
      return rest
  }
}

const callV2 = async (base: string, key: string, fields: Record<string, unknown>) => {
  const body = JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))))
  const timestamp = String(Date.now())
  const nonce = randomBytes(32).toString('hex').toUpperCase()
  const query = new URLSearchParams({ signature: signatureV2(key, nonce, timestamp, body), timestamp, nonce })
  console.log(`POST ${base}/v1/marketplace/koogallery/v2 ${body}`)
  const res = await fetch(`${base}/v1/marketplace/koogallery/v2?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=utf-8', accept: 'application/json' },
    body,
  }).catch(() => {
    throw new Error(`nothing answers on ${base}: start the local stack first (npm start), with the same PORT`)
  })
  const text = await res.text()
  const signed = res.headers.get('body-sign') === bodySignHeader(key, text)
  console.log(`HTTP ${res.status}, Body-Sign ${signed ? 'verified' : 'DOES NOT VERIFY'}`)
  const answer = JSON.parse(text) as { resultCode: string; instanceId?: string }
  console.log(JSON.stringify(answer, null, 2))
  return answer
}

/** V2: the activity, and after a newInstance the marketplace's polling until appInfo comes back. */
const playV2 = async (base: string, key: string, activity: string, options: Record<string, string>) => {
  const answer = await callV2(base, key, { activity, ...bodyV2(activity, options) })
  if (activity !== 'newInstance' || !answer.instanceId) return
  for (let i = 0; i < 10; i++) {
    const q = await callV2(base, key, { activity: 'queryInstance', instanceId: answer.instanceId })
    if (q.resultCode !== '000004') return
    await new Promise((r) => setTimeout(r, 1000))
  }
}

const main = async () => {
  const args = process.argv.slice(2)
  const v2 = args.includes('--v2')
  const [activity, ...rest] = args.filter((a) => a !== '--v2')
  if (!activity || activity.startsWith('-')) {
    console.log(USAGE)
    process.exit(activity ? 0 : 2)
  }
  const options: Record<string, string> = {}
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i]?.replace(/^--/, '')
    const value = rest[i + 1]
    if (!name || value === undefined) {
      console.error(`option ${rest[i]} needs a value\n\n${USAGE}`)
      process.exit(2)
    }
    options[name] = value
  }
  // as npm start reads it (scripts/local/env.ts): an empty value means the local key
  const key = process.env.KOOGALLERY_KEY || LOCAL_KOOGALLERY_KEY
  const base = `http://localhost:${runningStackPort('PORT')}`
  if (v2) return playV2(base, key, activity, options)
  const params = {
    ...(DEFAULTS[activity]?.() ?? {}),
    ...options,
    activity,
    timeStamp: formatCompactTime(Date.now(), true),
  }
  const query = new URLSearchParams({ ...params, authToken: authToken(key, params) })
  const url = `${base}/v1/marketplace/koogallery?${query}`
  console.log(`GET ${url.replace(/authToken=[^&]+/, 'authToken=…')}`)
  const res = await fetch(url).catch(() => {
    throw new Error(`nothing answers on ${base}: start the local stack first (npm start), with the same PORT`)
  })
  const body = await res.text()
  const signed = res.headers.get('body-sign') === bodySignHeader(key, body)
  console.log(`HTTP ${res.status}, Body-Sign ${signed ? 'verified' : 'DOES NOT VERIFY'}`)
  const answer = JSON.parse(body) as {
    appInfo?: Record<string, string>
    info?: { appInfo?: Record<string, string> }[]
  }
  console.log(JSON.stringify(answer, null, 2))
  for (const appInfo of [answer.appInfo, ...(answer.info ?? []).map((i) => i.appInfo)]) {
    if (!appInfo) continue
    console.log('appInfo (credentials decrypted):')
    // the credentials travel encrypted, the URLs plain
    for (const [k, v] of Object.entries(appInfo))
      console.log(`  ${k}: ${k === 'userName' || k === 'password' ? decrypt(key, v) : v}`)
  }
}

main().catch((err: Error) => {
  console.error(`marketplace call failed: ${err.message}`)
  process.exit(1)
})
