import { PutObjectCommand } from '@aws-sdk/client-s3'
import { handler as content } from '../../functions/content/handler.js'
import { handler as media } from '../../functions/media/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { config } from '../../lib/core/config.js'
import { trustedTenantId } from '../../lib/core/tenancy.js'
import { s3 } from '../../lib/media/s3.js'
import { MAX_MEDIA_BYTES } from '../../lib/media/schemas.js'
import { brandedPlace, forgetPageBranding } from '../../lib/sso/page-branding.js'
import { page } from '../../lib/sso/pages.js'
import { useTestTable } from '../support/dynamo.js'
import { addPlainMember, login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { useTestS3 } from '../support/s3.js'

useTestTable()
useTestS3()

type Tenant = Awaited<ReturnType<typeof openTenant>>

/** A PNG's first bytes, padded to `size`: the store and the checks look at the type and the size. */
const png = (size: number) => {
  const bytes = new Uint8Array(size)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return bytes
}

const askUpload = (token: string, level: string, body: unknown) =>
  call(media, 'POST', `/v1/${level}/uploads`, { token, body })

/** What a browser does with the answer: a multipart form post of the fields, then the file. */
const postFile = async (
  upload: { url: string; fields: Record<string, string> },
  bytes: Uint8Array,
  type: string,
) => {
  const form = new FormData()
  for (const [k, v] of Object.entries(upload.fields)) form.append(k, v)
  form.append('file', new Blob([bytes], { type }), 'image')
  return fetch(upload.url, { method: 'POST', body: form })
}

describe('uploads: presigned browser posts of images, checked where they are used', () => {
  let platformToken: string
  let officeToken: string
  let a: Tenant
  let b: Tenant

  beforeAll(async () => {
    ;({ platformToken, officeToken } = await platformFixture())
    a = await openTenant(platformToken)
    b = await openTenant(platformToken)
  })

  it('uploads a logo through the presigned post, sets it as the site logo, and the hosted sign-in page shows it', async () => {
    const asked = await askUpload(a.accessToken, 'tenant', {
      purpose: 'branding',
      contentType: 'image/png',
      size: 2048,
    })
    expect(asked.status).toBe(201)
    expect(asked.body.key).toMatch(new RegExp(`^media/t/${a.tenant.tenantId}/branding/[0-9a-z]+\\.png$`))
    expect(asked.body.upload.method).toBe('POST')
    expect(asked.body.upload.fields['Content-Type']).toBe('image/png')
    expect(asked.body.maxBytes).toBe(2048)
    const posted = await postFile(asked.body.upload, png(2048), 'image/png')
    expect(posted.status).toBeLessThan(300)
    const served = await fetch(asked.body.url)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/png')

    const set = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { siteLogo: asked.body.url },
    })
    expect(set.status).toBe(200)
    expect(set.body.effective.siteLogo).toBe(asked.body.url)
    forgetPageBranding()
    const place = await brandedPlace({
      tenantId: trustedTenantId(a.tenant.tenantId),
      industry: 'office',
      tenantName: a.tenant.name,
      issuer: `http://localhost/t/${a.tenant.code}`,
    })
    expect(page(place, 'Sign in', '')).toContain(`<img class="site-logo" src="${asked.body.url}" alt="">`)
  })

  it('uploads for the platform and an industry under their own prefixes', async () => {
    const platform = await askUpload(platformToken, 'platform', {
      purpose: 'branding',
      contentType: 'image/webp',
      size: 10,
    })
    expect(platform.status).toBe(201)
    expect(platform.body.key).toMatch(/^media\/p\/branding\/[0-9a-z]+\.webp$/)
    const industry = await askUpload(officeToken, 'industry', {
      purpose: 'portal-banner',
      contentType: 'image/jpeg',
      size: 10,
    })
    expect(industry.body.key).toMatch(/^media\/i\/office\/portal-banner\/[0-9a-z]+\.jpg$/)
  })

  it('refuses a wrong type, an oversize file and unknown fields with 400 naming them', async () => {
    const svg = await askUpload(a.accessToken, 'tenant', {
      purpose: 'branding',
      contentType: 'image/svg+xml',
      size: 10,
    })
    expect(svg.status).toBe(400)
    expect(svg.body.error.details.map((d: { path: string }) => d.path)).toEqual(['body.contentType'])
    const big = await askUpload(a.accessToken, 'tenant', {
      purpose: 'branding',
      contentType: 'image/png',
      size: MAX_MEDIA_BYTES + 1,
    })
    expect(big.status).toBe(400)
    expect(big.body.error.details.map((d: { path: string }) => d.path)).toEqual(['body.size'])
    const odd = await askUpload(a.accessToken, 'tenant', {
      purpose: 'avatar',
      contentType: 'image/png',
      size: 0,
      x: 1,
    })
    expect(odd.status).toBe(400)
    expect(odd.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['body.purpose', 'body.size', 'body']),
    )
  })

  it("refuses another tenant's image, one never uploaded, and what the store took beyond the rules", async () => {
    const theirs = await askUpload(b.accessToken, 'tenant', {
      purpose: 'branding',
      contentType: 'image/png',
      size: 100,
    })
    await postFile(theirs.body.upload, png(100), 'image/png')
    const refused = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { background: theirs.body.url },
    })
    expect(refused.status).toBe(400)
    expect(refused.body.error.details).toEqual([
      { path: 'body.background', message: 'no such uploaded image' },
    ])

    const never = await askUpload(a.accessToken, 'tenant', {
      purpose: 'branding',
      contentType: 'image/png',
      size: 100,
    })
    const missing = await call(tenants, 'PUT', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { footerImage: never.body.url },
    })
    expect(missing.status).toBe(400)
    expect(missing.body.error.details[0].path).toBe('body.footerImage')

    // the local store checks no policy: a file past the limit, or not an image, gets in, and is refused on use
    const { MEDIA_BUCKET } = config()
    const put = async (key: string, body: Uint8Array, type: string) =>
      s3().send(new PutObjectCommand({ Bucket: MEDIA_BUCKET, Key: key, Body: body, ContentType: type }))
    const oversize = await askUpload(a.accessToken, 'tenant', {
      purpose: 'branding',
      contentType: 'image/png',
      size: 10,
    })
    await put(oversize.body.key, png(MAX_MEDIA_BYTES + 1), 'image/png')
    const tooBig = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { siteLogo: oversize.body.url },
    })
    expect(tooBig.status).toBe(400)
    expect(tooBig.body.error.details[0].path).toBe('body.siteLogo')
    const script = await askUpload(a.accessToken, 'tenant', {
      purpose: 'branding',
      contentType: 'image/png',
      size: 10,
    })
    await put(script.body.key, new TextEncoder().encode('<svg onload="alert(1)"/>'), 'image/svg+xml')
    const svg = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { platformLogo: script.body.url },
    })
    expect(svg.status).toBe(400)
    expect(svg.body.error.details[0].path).toBe('body.platformLogo')
    // an address elsewhere stays allowed, as before uploads
    const external = await call(tenants, 'PATCH', '/v1/tenant/branding', {
      token: a.accessToken,
      body: { background: 'https://cdn.example.com/bg.jpg' },
    })
    expect(external.status).toBe(200)
  })

  it("takes a news cover the publisher uploaded, and refuses another tenant's", async () => {
    const category = await call(content, 'POST', '/v1/tenant/news-categories', {
      token: a.accessToken,
      body: { name: 'Covers' },
    })
    expect(category.status).toBe(201)
    const ask = async (t: Tenant) => {
      const asked = await askUpload(t.accessToken, 'tenant', {
        purpose: 'news-cover',
        contentType: 'image/jpeg',
        size: 64,
      })
      await postFile(asked.body.upload, png(64), 'image/jpeg')
      return asked.body.url as string
    }
    const news = (cover: string) => ({
      categoryId: category.body.categoryId,
      title: 'With a cover',
      cover,
      body: { blocks: [{ type: 'paragraph', content: [{ text: 'x' }] }] },
    })
    const ours = await call(content, 'POST', '/v1/tenant/news', {
      token: a.accessToken,
      body: news(await ask(a)),
    })
    expect(ours.status).toBe(201)
    const theirs = await call(content, 'POST', '/v1/tenant/news', {
      token: a.accessToken,
      body: news(await ask(b)),
    })
    expect(theirs.status).toBe(400)
    expect(theirs.body.error.details).toEqual([{ path: 'body.cover', message: 'no such uploaded image' }])
    const changed = await call(content, 'PATCH', `/v1/tenant/news/${ours.body.newsId}`, {
      token: a.accessToken,
      body: { cover: await ask(b) },
    })
    expect(changed.status).toBe(400)
    expect(changed.body.error.details[0].path).toBe('body.cover')
  })

  it('keeps each administrator to their own level', async () => {
    const res = await call(media, 'POST', '/v1/tenant/uploads', {
      token: officeToken,
      body: { purpose: 'branding', contentType: 'image/png', size: 10 },
    })
    expect(res.status).toBe(403)
    expect(
      (await askUpload(a.accessToken, 'platform', { purpose: 'branding', contentType: 'image/png', size: 1 }))
        .status,
    ).toBe(403)
  })

  it('lets a member without the permission of the image upload nothing, and 50 at once get 50 refusals', async () => {
    const m = await addPlainMember(a.tenant)
    const { accessToken } = await login(m.identifier, m.password, { tenantCode: a.tenant.code })
    for (const purpose of ['branding', 'portal-banner', 'news-cover']) {
      const res = await askUpload(accessToken, 'tenant', { purpose, contentType: 'image/png', size: 10 })
      expect([purpose, res.status, res.body.error.code]).toEqual([purpose, 403, 'FORBIDDEN'])
    }
    const many = await Promise.all(
      Array.from({ length: 50 }, () =>
        askUpload(accessToken, 'tenant', { purpose: 'branding', contentType: 'image/png', size: 10 }),
      ),
    )
    expect(many.map((r) => r.status)).toEqual(Array(50).fill(403))
  })
})
