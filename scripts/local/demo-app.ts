import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as oidc from 'openid-client'
import { html } from '../../lib/sso/pages.js'
import type { DemoApps } from '../demo-apps.js'

/**
 * A small relying party for the demo tenant's apps, as a newcomer would write one: an OIDC app
 * (openid-client, code + PKCE), an app written for the cloud workbench (tile launch, then the
 * code's exchange and userinfo by hand) and a CAS app (ticket validation). Each page shows what
 * the tenant's issuer said about the member.
 */
export interface DemoApp {
  origin: string
  /** where the tenant's issuer is and the apps' credentials, once the API runs */
  configure: (issuer: string, apps: DemoApps) => void
  stop: () => Promise<void>
}

const page = (res: ServerResponse, status: number, title: string, body: string) => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
  res.end(
    `<!doctype html><meta charset="utf-8"><title>${html(title)}</title><body style="font-family:system-ui;margin:2rem"><h1>${html(title)}</h1>${body}<p><a href="/">Demo apps</a></p></body>`,
  )
}

const shown = (value: unknown) =>
  `<pre>${html(typeof value === 'string' ? value : JSON.stringify(value, null, 2))}</pre>`

export const startDemoApp = async (port: number): Promise<DemoApp> => {
  let issuer: string | undefined
  let apps: DemoApps | undefined
  const pending = new Map<string, string>() // state → PKCE verifier
  let origin = ''

  const oidcConfig = () =>
    oidc.discovery(
      new URL(issuer as string),
      apps?.oidc.clientId as string,
      apps?.oidc.clientSecret,
      undefined,
      {
        execute: [oidc.allowInsecureRequests],
      },
    )

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin)
    const run = async () => {
      if (!issuer || !apps) return page(res, 503, 'Starting', '<p>The API is not up yet.</p>')
      switch (url.pathname) {
        case '/':
          return page(
            res,
            200,
            'Demo apps',
            `<p>Each app signs the demo member in through the tenant's issuer (<code>${html(issuer)}</code>).</p>
<ul><li><a href="/oidc/login">OpenID Connect app</a></li>
<li><a href="${html(`${issuer}/launch/${apps.workbench.appId}`)}">Workbench (OAuth2) app, launched as a tile</a></li>
<li><a href="${html(`${issuer}/cas/login?service=${encodeURIComponent(`${origin}/cas/callback`)}`)}">CAS app</a></li></ul>`,
          )
        case '/oidc/login': {
          const config = await oidcConfig()
          const verifier = oidc.randomPKCECodeVerifier()
          const state = oidc.randomState()
          pending.set(state, verifier)
          const to = oidc.buildAuthorizationUrl(config, {
            redirect_uri: `${origin}/oidc/callback`,
            scope: 'openid profile',
            code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
            code_challenge_method: 'S256',
            state,
          })
          res.writeHead(303, { location: to.href })
          return res.end()
        }
        case '/oidc/callback': {
          const config = await oidcConfig()
          const state = url.searchParams.get('state') ?? ''
          const tokens = await oidc.authorizationCodeGrant(config, url, {
            pkceCodeVerifier: pending.get(state),
            expectedState: state,
          })
          pending.delete(state)
          const claims = tokens.claims()
          const info = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub as string)
          return page(
            res,
            200,
            'Signed in with OpenID Connect',
            `<h2>ID token</h2>${shown(claims)}<h2>userinfo</h2>${shown(info)}`,
          )
        }
        case '/workbench/callback': {
          const token = await fetch(`${issuer}/api/v1/oauth2/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'authorization_code',
              code: url.searchParams.get('code') ?? '',
              redirect_uri: `${origin}/workbench/callback`,
              client_id: apps.workbench.clientId,
              client_secret: apps.workbench.clientSecret,
            }),
          })
          const tokens = (await token.json()) as { access_token?: string }
          if (!token.ok) return page(res, 400, 'Token refused', shown(tokens))
          const info = await fetch(`${issuer}/api/v1/oauth2/userinfo`, {
            headers: { authorization: `Bearer ${tokens.access_token}` },
          })
          return page(
            res,
            200,
            'Signed in as a workbench app',
            `<p>tenant: ${html(url.searchParams.get('tenant'))}</p><h2>userinfo</h2>${shown(await info.json())}`,
          )
        }
        case '/cas/callback': {
          const q = new URLSearchParams({
            service: `${origin}/cas/callback`,
            ticket: url.searchParams.get('ticket') ?? '',
          })
          const answer = await fetch(`${issuer}/cas/p3/serviceValidate?${q}`)
          return page(res, 200, 'Signed in with CAS', `<h2>serviceValidate</h2>${shown(await answer.text())}`)
        }
        default:
          return page(res, 404, 'Not found', '')
      }
    }
    run().catch((err: Error) => page(res, 500, 'The sign-in failed', shown(err.message)))
  })
  await new Promise<void>((resolve) => server.listen(port, resolve))
  origin = `http://localhost:${(server.address() as AddressInfo).port}`
  return {
    origin,
    configure: (i, a) => {
      issuer = i
      apps = a
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
