import { handler } from '../../functions/marketplace/handler.js'
import { nowMs } from '../../lib/core/clock.js'
import { resetConfig } from '../../lib/core/config.js'
import type { KooGalleryOrder } from '../../lib/marketplace/koogallery/open-api.js'
import { LOCAL_OPENAPI_AK, LOCAL_OPENAPI_SK } from '../../scripts/local/env.js'
import { type LocalOpenApi, startKooGalleryOpenApi } from '../../scripts/local/koogallery-openapi.js'
import { bodyV2, sign, signV2, stamp } from './koogallery-signing.js'
import { call } from './lambda.js'

/** The marketplace's signing, kept apart so unit tests load no handler. */
export { bodyV2, decryptField, expectedBodySign, sign, signV2, stamp } from './koogallery-signing.js'

export const kooGallery = async (
  params: Record<string, string>,
  options: { key?: string; timeStamp?: string; tamper?: (p: Record<string, string>) => void } = {},
) => {
  const key = options.key ?? (process.env.KOOGALLERY_KEY as string)
  const withStamp = { ...params, timeStamp: options.timeStamp ?? stamp() }
  const query = { ...withStamp, authToken: sign(key, withStamp) }
  options.tamper?.(query)
  const res = await call(handler, 'GET', '/v1/marketplace/koogallery', { query })
  return { ...res, rawBody: JSON.stringify(res.body) }
}

let nonces = 0
export const freshNonce = () =>
  `N${Date.now().toString(16)}${(++nonces).toString(16).padStart(8, '0')}`.toUpperCase()

/** The query of a V2 call, signed as KooGallery signs it. */
export const signedQueryV2 = (
  body: string,
  options: { key?: string; timestamp?: string; nonce?: string } = {},
) => {
  const key = options.key ?? (process.env.KOOGALLERY_KEY as string)
  const timestamp = options.timestamp ?? String(nowMs())
  const nonce = options.nonce ?? freshNonce()
  return { signature: signV2(key, nonce, timestamp, body), timestamp, nonce }
}

/** One V2 call through the marketplace function's real handler. */
export const kooGalleryV2 = async (
  fields: Record<string, unknown>,
  options: { key?: string; timestamp?: string; nonce?: string; body?: (signed: string) => string } = {},
) => {
  const signed = bodyV2(fields)
  const query = signedQueryV2(signed, options)
  const res = await call(handler, 'POST', '/v1/marketplace/koogallery/v2', {
    query,
    rawBody: options.body ? options.body(signed) : signed,
  })
  return { ...res, rawBody: JSON.stringify(res.body), query }
}

/** The marketplace's order book, as the local open API serves it. */
export const orderBook = () => {
  const orders = new Map<string, KooGalleryOrder>()
  let n = 0
  return {
    find: (orderId: string) => orders.get(orderId),
    place: (o: {
      customerId: string
      skuCode: string
      orderType?: string
      expireTime?: string
      customerName?: string
      orderId?: string
    }) => {
      const orderId = o.orderId ?? `CS${Date.now().toString(36).toUpperCase()}${++n}`
      const orderLineId = `${orderId}-000001`
      orders.set(orderId, {
        orderId,
        orderType: o.orderType ?? 'NEW',
        orderLine: [
          {
            orderLineId,
            chargingMode: 'PERIOD',
            periodType: 'year',
            periodNumber: 1,
            expireTime: o.expireTime ?? '20991231000000',
            productInfo: [{ productId: 'atrium', skuCode: o.skuCode, linearValue: 1, productName: 'Atrium' }],
          },
        ],
        buyerInfo: { customerId: o.customerId, customerName: o.customerName ?? `Customer ${o.customerId}` },
      })
      return { orderId, orderLineId }
    },
  }
}

/**
 * KooGallery's open API played for a test file (its local stand-in serving `book`'s orders),
 * the functions of this process pointed at it before its tests and back after.
 */
export const useKooGalleryOpenApi = (book: ReturnType<typeof orderBook>) => {
  let openApi: LocalOpenApi | undefined
  beforeAll(async () => {
    openApi = await startKooGalleryOpenApi({
      port: 0,
      ak: LOCAL_OPENAPI_AK,
      sk: LOCAL_OPENAPI_SK,
      orders: book.find,
    })
    process.env.KOOGALLERY_OPENAPI_URL = openApi.url
    resetConfig()
  })
  afterAll(async () => {
    await openApi?.stop()
    delete process.env.KOOGALLERY_OPENAPI_URL
    resetConfig()
  })
  return {
    /** its address, once started (for functions run elsewhere: serverless-offline) */
    url: () => {
      if (!openApi) throw new Error('the open API starts in beforeAll')
      return openApi.url
    },
  }
}
