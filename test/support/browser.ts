/**
 * A browser for tests: a cookie jar (one for every host: enough here) and redirects followed by
 * hand, so each hop can be looked at. `send` reaches other hosts (a tenant's own domain).
 */
export const browser = (send: typeof fetch = fetch) => {
  const jar = new Map<string, string>()
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await send(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    })
    for (const c of res.headers.getSetCookie()) {
      const [k = '', v = ''] = (c.split(';')[0] as string).split('=')
      if (v === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(k)
      else jar.set(k, v)
    }
    return {
      status: res.status,
      location: res.headers.get('location') ?? undefined,
      headers: res.headers,
      text: await res.text(),
    }
  }
  /** Follows redirects until one leaves `within` (an app's callback; '' follows them all) or a page answers. */
  const follow = async (url: string, within: string, init?: RequestInit) => {
    let res = await go(url, init)
    let at = url
    for (let hops = 0; res.location; hops++) {
      if (hops >= 15) throw new Error(`too many redirects, at ${at}`)
      at = new URL(res.location, at).href
      if (!at.startsWith(within)) return { ...res, at }
      res = await go(at)
    }
    return { ...res, at }
  }
  /** Fills the hosted sign-in form of a page and follows where it sends the browser, as `follow`. */
  const signIn = (
    form: { text: string; at: string },
    who: { identifier: string; password: string },
    within = '',
  ) =>
    follow(new URL(actionOf(form.text), form.at).href, within, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrfOf(form.text), ...who }).toString(),
    })
  return { go, follow, signIn, jar }
}

/** The hosted sign-in form's CSRF token and where it posts. */
export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
export const actionOf = (html: string) => /action="([^"]+)"/.exec(html)?.[1] ?? ''
