import * as z from 'zod'
import { basicIsoTime } from '../../core/clock.js'
import { config } from '../../core/config.js'
import { apigAuthorization } from './apig-sign.js'
import { openApiCredentials } from './secrets.js'

/** KooGallery's open API: `queryOrder`, the only call V2 needs (spec §3). */

export const QUERY_ORDER_PATH = '/api/mkp-openapi-public/global/v1/order/query'

const nameValues = z.array(z.object({ name: z.string(), value: z.unknown() })).optional()

/** The answer's fields Atrium reads; others are let through unread. */
export const QueryOrderAnswerSchema = z.object({
  resultCode: z.string(),
  resultMsg: z.string().optional(),
  orderInfo: z
    .object({
      orderId: z.string(),
      orderType: z.string(),
      createTime: z.string().optional(),
      orderLine: z.array(
        z.object({
          orderLineId: z.string(),
          chargingMode: z.string().optional(),
          periodType: z.string().optional(),
          periodNumber: z.coerce.number().optional(),
          expireTime: z.string().optional(),
          productInfo: z.array(
            z.object({
              productId: z.string(),
              skuCode: z.string(),
              linearValue: z.coerce.number().optional(),
              productName: z.string().optional(),
            }),
          ),
          extendParams: nameValues,
        }),
      ),
      buyerInfo: z.object({
        customerId: z.string(),
        customerName: z.string().optional(),
        customerRealName: z.string().optional(),
        customerType: z.coerce.string().optional(),
      }),
      extendParams: nameValues,
    })
    .optional(),
})
export type QueryOrderAnswer = z.infer<typeof QueryOrderAnswerSchema>
export type KooGalleryOrder = NonNullable<QueryOrderAnswer['orderInfo']>

/** The order could not be read now (the open API is unreachable, slow or refused): try again later. */
export class OrderUnavailable extends Error {}

/** The open API's success code (the docs' examples and a live answer: `MKT.0000`). */
const SUCCESS = new Set(['MKT.0000', '000000'])

/** The mainland endpoint has a twin the marketplace names for retries. */
const fallbackOf = (base: string) =>
  base.includes('mkt.myhuaweicloud.com')
    ? base.replace('mkt.myhuaweicloud.com', 'mkt.myhuaweicloud.cn')
    : undefined

const once = async (base: string, orderId: string, orderLineId: string, timeoutMs: number) => {
  const { ak, sk } = await openApiCredentials()
  const url = new URL(`${base}${QUERY_ORDER_PATH}`)
  url.searchParams.set('orderId', orderId)
  url.searchParams.set('orderLineId', orderLineId)
  const headers = {
    Host: url.host,
    // the gateway checks the real time, not the application clock tests move
    'X-Sdk-Date': basicIsoTime(Date.now()),
    'Content-Type': 'application/json',
  }
  const authorization = apigAuthorization(ak, sk, { method: 'GET', url, headers, body: '' })
  // Node's fetch verifies the server certificate; nothing here turns that off.
  const res = await fetch(url, {
    headers: { ...headers, Accept: 'application/json', Authorization: authorization },
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (!res.ok) throw new OrderUnavailable(`the open API answered HTTP ${res.status}`)
  const parsed = QueryOrderAnswerSchema.safeParse(await res.json())
  if (!parsed.success) throw new OrderUnavailable('the open API answered an order we cannot read')
  if (!SUCCESS.has(parsed.data.resultCode) || !parsed.data.orderInfo)
    throw new OrderUnavailable(`the open API answered ${parsed.data.resultCode}`)
  return parsed.data.orderInfo
}

/**
 * Reads one order line. Within `timeoutMs` altogether (the marketplace waits 5 s for our answer):
 * the mainland endpoint, then its `.cn` twin with what time is left.
 */
export const queryOrder = async (
  orderId: string,
  orderLineId: string,
  timeoutMs = 2500,
): Promise<KooGalleryOrder> => {
  const base = config().KOOGALLERY_OPENAPI_URL
  if (!base) throw new OrderUnavailable('KOOGALLERY_OPENAPI_URL is not set')
  const started = Date.now()
  try {
    return await once(base, orderId, orderLineId, timeoutMs)
  } catch (err) {
    const twin = fallbackOf(base)
    const left = timeoutMs - (Date.now() - started)
    if (!twin || left < 200)
      throw err instanceof OrderUnavailable ? err : new OrderUnavailable((err as Error).name)
    try {
      return await once(twin, orderId, orderLineId, left)
    } catch (again) {
      throw again instanceof OrderUnavailable ? again : new OrderUnavailable((again as Error).name)
    }
  }
}
