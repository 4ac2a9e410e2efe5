import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { apigAuthorization, parseApigAuthorization } from '../../lib/marketplace/koogallery/apig-sign.js'
import { type KooGalleryOrder, QUERY_ORDER_PATH } from '../../lib/marketplace/koogallery/open-api.js'
import { LOCAL_DIR } from './paths.js'

/**
 * A stand-in for KooGallery's open API on this machine: `queryOrder` answers the orders the local
 * marketplace (npm run marketplace -- --v2, or a test) placed, once the caller's AK/SK signature
 * checks out, as the marketplace's API gateway would.
 */

/** Where npm run marketplace leaves the V2 orders it sends, for npm start's stand-in to serve. */
export const LOCAL_ORDERS_DIR = join(LOCAL_DIR, 'koogallery-orders')

const fileName = (orderId: string) => `${Buffer.from(orderId).toString('base64url')}.json`

export const saveLocalOrder = (order: KooGalleryOrder, dir = LOCAL_ORDERS_DIR): void => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, fileName(order.orderId)), JSON.stringify(order, null, 2))
}

export const localOrder = (orderId: string, dir = LOCAL_ORDERS_DIR): KooGalleryOrder | undefined => {
  try {
    return JSON.parse(readFileSync(join(dir, fileName(orderId)), 'utf8')) as KooGalleryOrder
  } catch {
    return undefined
  }
}

export interface LocalOpenApi {
  url: string
  /** queryOrder calls answered so far */
  calls(): number
  stop(): Promise<void>
}

export const startKooGalleryOpenApi = async (options: {
  port: number
  ak: string
  sk: string
  orders: (orderId: string) => KooGalleryOrder | undefined
}): Promise<LocalOpenApi> => {
  let calls = 0
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (req.method !== 'GET' || url.pathname !== QUERY_ORDER_PATH)
      return answer(404, { error_code: 'APIGW.0101', error_msg: 'not found' })
    const presented = parseApigAuthorization(req.headers.authorization ?? '')
    const signed = presented
      ? Object.fromEntries(presented.signedHeaders.map((h) => [h, String(req.headers[h] ?? '')]))
      : {}
    if (
      !presented ||
      presented.ak !== options.ak ||
      !signed['x-sdk-date'] ||
      apigAuthorization(options.ak, options.sk, { method: 'GET', url, headers: signed, body: '' }) !==
        req.headers.authorization
    ) {
      return answer(401, { error_code: 'APIGW.0301', error_msg: 'Incorrect IAM authentication information' })
    }
    calls++
    const order = options.orders(url.searchParams.get('orderId') ?? '')
    const lineId = url.searchParams.get('orderLineId')
    if (!order || (lineId && !order.orderLine.some((l) => l.orderLineId === lineId)))
      return answer(200, { resultCode: 'MKT.0999', resultMsg: 'order not found' })
    return answer(200, { resultCode: 'MKT.0000', resultMsg: 'success', orderInfo: order })
  })
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
