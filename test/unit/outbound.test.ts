import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resetConfig } from '../../lib/core/config.js'
import { isSpecialUse, outboundFetch } from '../../lib/core/http/outbound.js'

describe('requests to addresses tenants typed in', () => {
  const saved = { ...process.env }
  let server: Server
  let port: number
  const allow = (value: 'true' | 'false') => {
    process.env = {
      ATRIUM_TABLE_NAME: 'atrium-test',
      LOCAL_MASTER_KEY_FILE: 'key',
      OUTBOUND_ALLOW_SPECIAL_USE: value,
    }
    resetConfig()
  }
  beforeAll(async () => {
    server = createServer((req, res) => res.end(`${req.method} ${req.url}`))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    process.env = saved
    resetConfig()
    await new Promise((r) => server.close(r))
  })

  it('knows the special-use ranges of both families', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect([a, isSpecialUse(a)]).toEqual([a, true])
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '2606:4700::1111', 'example.com']) {
      expect([a, isSpecialUse(a)]).toEqual([a, false])
    }
  })

  it('never reaches this machine or a private network, by address or by a name resolving there', async () => {
    allow('false')
    await expect(outboundFetch(`http://127.0.0.1:${port}/x`)).rejects.toThrow('special-use address')
    await expect(outboundFetch(`http://[::1]:${port}/x`)).rejects.toThrow('special-use address')
    await expect(outboundFetch(`http://localhost:${port}/x`)).rejects.toThrow('special-use address')
  })

  it('reaches them on the local stack, where the apps run on this machine', async () => {
    allow('true')
    const res = await outboundFetch(`http://localhost:${port}/x?y=1`, { method: 'POST', body: 'a=b' })
    expect([res.status, await res.text()]).toEqual([200, 'POST /x?y=1'])
  })
})
