import { configureMetrics, count, flushMetrics } from '../../lib/core/metrics.js'

describe('business metrics', () => {
  it('are CloudWatch EMF lines on stdout, counts only, with their dimensions', () => {
    const saved = process.env.POWERTOOLS_METRICS_DISABLED
    delete process.env.POWERTOOLS_METRICS_DISABLED
    const written: string[] = []
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    try {
      configureMetrics('unit')
      count('LoginFailed')
      count('LoginFailed')
      count('MarketplaceCall', { market: 'koogallery', resultCode: '000003' })
      flushMetrics()
    } finally {
      spy.mockRestore()
      if (saved !== undefined) process.env.POWERTOOLS_METRICS_DISABLED = saved
      configureMetrics('unit')
    }
    const blobs = written
      .flatMap((w) => w.split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l))
    const login = blobs.find((b) => 'LoginFailed' in b)
    expect(login._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'Atrium',
      Metrics: [{ Name: 'LoginFailed', Unit: 'Count' }],
    })
    // two counts of one metric: EMF carries both values, CloudWatch sums them
    expect([login.LoginFailed].flat().reduce((a: number, b: number) => a + b, 0)).toBe(2)
    const call = blobs.find((b) => 'MarketplaceCall' in b)
    expect(call).toMatchObject({
      market: 'koogallery',
      resultCode: '000003',
      MarketplaceCall: 1,
      service: 'unit',
    })
  })
})
