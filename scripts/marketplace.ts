import { createDecipheriv, randomBytes } from 'node:crypto'
import {
  appInfoKey,
  authToken,
  bodySignHeader,
  formatCompactTime,
} from '../lib/marketplace/koogallery/protocol.js'
import { DEFAULT_PORTS, LOCAL_KOOGALLERY_KEY, runningStackPort } from './local/env.js'

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

const main = async () => {
  const [activity, ...rest] = process.argv.slice(2)
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
