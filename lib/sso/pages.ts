import type { EffectiveBranding } from '../branding/api-schemas.js'
import { escapeHtml } from '../core/text.js'
import type { Refusal } from './identity.js'

/**
 * The pages a browser sees at a tenant's issuer: server-rendered, no script, nothing to build; the
 * web workbench's page only names its script and style (web/, served at /assets/).
 */
export interface PagePlace {
  issuer: string
  /** the tenant's effective branding (its site name defaults to the tenant's name) */
  branding: EffectiveBranding & { siteName: string }
}

export const html = escapeHtml

// No url() anywhere: images are <img> elements, their addresses only ever in an escaped attribute.
const STYLE = `body{font-family:system-ui,sans-serif;background:#eef2f7;margin:0;display:flex;flex-direction:column;min-height:100vh;align-items:center;justify-content:center}
img.background{position:fixed;inset:0;width:100%;height:100%;object-fit:cover;z-index:-1}
main{background:#fff;padding:2rem 2.5rem;border-radius:10px;box-shadow:0 2px 12px rgba(0,0,0,.08);width:22rem}
header.site{display:flex;align-items:center;gap:.6rem;margin:0 0 1.2rem;color:#445;font-weight:600}
header.site img{height:2rem;max-width:8rem;object-fit:contain}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .3rem;font-size:.9rem}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #ccd;border-radius:6px}
button{margin-top:1.2rem;width:100%;padding:.6rem;border:0;border-radius:6px;background:#2457c5;color:#fff;font-size:1rem;cursor:pointer}
.error{background:#fdecea;color:#8a1c12;padding:.6rem;border-radius:6px}ul{padding-left:1.2rem}a{color:#2457c5}
footer{margin:1.2rem 0;text-align:center;color:#556;font-size:.85rem}footer img{max-height:3rem;max-width:22rem;object-fit:contain}
footer p{display:flex;align-items:center;justify-content:center;gap:.4rem;margin:.4rem 0}footer p img{max-height:1.4rem}`

/** An image of the branding, or nothing; its address only ever inside an escaped attribute. */
const image = (src: string | undefined, cls: string) =>
  src ? `<img class="${cls}" src="${html(src)}" alt="">` : ''

/**
 * A page in the tenant's branding: the background behind everything, the site logo and name at
 * the top, the page's heading, its body, then the footer image and the platform's logo and name.
 */
export const page = (place: PagePlace, title: string, body: string): string => {
  const b = place.branding
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${html(title)} · ${html(b.siteName)}</title><style>${STYLE}</style></head>
<body>${image(b.background, 'background')}<main><header class="site">${image(b.siteLogo, 'site-logo')}<span class="site-name">${html(b.siteName)}</span></header>
<h1>${html(title)}</h1>${body}</main>
<footer>${image(b.footerImage, 'footer-image')}<p class="platform">${image(b.platformLogo, 'platform-logo')}<span class="platform-name">${html(b.platformName)}</span></p></footer></body></html>`
}

export const renderLoginForm = (
  place: PagePlace,
  form: { action: string; csrf: string; identifier?: string; error?: string; appName?: string },
) =>
  page(
    place,
    place.branding.loginTitle,
    `${form.appName ? `<p>Sign in to continue to <strong>${html(form.appName)}</strong>.</p>` : ''}
${form.error ? `<p class="error" role="alert">${html(form.error)}</p>` : ''}
<form method="post" action="${html(form.action)}">
<input type="hidden" name="csrf" value="${html(form.csrf)}">
<label for="identifier">Mobile or e-mail</label><input id="identifier" name="identifier" autocomplete="username" required value="${html(form.identifier ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`,
  )

const REFUSALS: Record<Refusal, string> = {
  no_such_app: 'This app is not available in this workbench.',
  app_disabled: 'Your administrator has switched this app off.',
  app_lapsed: "This workbench's subscription to the app has expired. Ask your administrator to renew it.",
  no_such_member: 'You are not a member of this workbench.',
  member_disabled: 'Your access to this workbench is disabled. Ask your administrator.',
  not_entitled: 'You have not been given access to this app. Ask your administrator.',
  waiting_for_seat: 'All seats of this app are taken; you are on the waiting list. Ask your administrator.',
  tenant_inactive: 'This workbench is not active. Ask your administrator to renew it.',
}

export const refusalText = (refusal: Refusal | undefined) =>
  refusal ? REFUSALS[refusal] : 'You cannot use this app.'

export const renderRefusal = (place: PagePlace, refusal: Refusal | undefined, appName?: string) =>
  page(
    place,
    'No access',
    `<p class="error" role="alert">${html(refusalText(refusal))}</p>${appName ? `<p>App: ${html(appName)}</p>` : ''}
<p><a href="${html(place.issuer)}/api/v1/logout">Sign in as someone else</a></p>`,
  )

export const renderProviderError = (
  place: PagePlace,
  out: { error?: string; error_description?: string },
  refusal?: Refusal,
) =>
  page(
    place,
    'Sign-in failed',
    `<p class="error" role="alert">${html(refusal ? refusalText(refusal) : (out.error_description ?? out.error ?? 'The request could not be completed.'))}</p>
<p>Code: <code>${html(out.error ?? 'server_error')}</code></p>`,
  )

export const renderLogoutConfirm = (place: PagePlace, form: string) =>
  page(
    place,
    'Sign out',
    `<p>Sign out of every app of this workbench?</p>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>`,
  )

export const renderLoggedOut = (place: PagePlace) =>
  page(
    place,
    'Signed out',
    `<p>You are signed out.</p><p><a href="${html(place.issuer)}/login">Sign in again</a></p>`,
  )

/**
 * The web workbench's page: its script and style come from the `web` function (`/assets/`, files in
 * web/), which renders everything else from the API. The script is the only one the page may run
 * and the API on this origin the only place it may call; for a browser that runs no script, the
 * member's apps are listed as links that launch them.
 */
export const WORKBENCH_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

export const renderWorkbench = (
  place: PagePlace,
  apps: { name: string; launch: string; description?: string }[],
) => {
  const b = place.branding
  const list =
    apps.length === 0
      ? '<p>None yet: ask your administrator for access.</p>'
      : `<ul>${apps.map((a) => `<li><a href="${html(a.launch)}">${html(a.name)}</a></li>`).join('')}</ul>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${html(b.siteName)}</title>
<link rel="stylesheet" href="/assets/workbench.css"><script type="module" src="/assets/workbench.js"></script></head>
<body data-issuer="${html(place.issuer)}" data-site-name="${html(b.siteName)}" data-site-logo="${html(b.siteLogo ?? '')}">
<noscript><main class="fallback"><h1>Your apps</h1>${list}<p><a href="${html(place.issuer)}/api/v1/logout">Sign out</a></p></main></noscript>
<div id="app"></div></body></html>`
}
