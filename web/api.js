// The API, as the signed-in member of this browser. Tokens live in this page's memory only: they
// come from the browser's sign-in by a hand-off (docs/web-workbench.md), so a reload hands off
// again and nothing stays behind in storage. Signing out of the browser ends them.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `the API answered ${status}`)
    this.status = status
    this.code = body?.error?.code
  }
}

/** The browser is not signed in (any more): the page goes to the sign-in and this work stops. */
export class SignedOut extends Error {}

const readJson = (res) => res.json().catch(() => undefined)

export const createApi = (issuer) => {
  let tokens
  let handingOff

  const signIn = () => {
    location.assign(`${issuer}/`)
    throw new SignedOut('signed out')
  }

  const handoff = async () => {
    const asked = await fetch(`${issuer}/session/handoff`, {
      method: 'POST',
      headers: { 'x-atrium-handoff': '1' },
      credentials: 'same-origin',
    })
    if (asked.status === 401) signIn()
    if (!asked.ok) throw new ApiError(asked.status, await readJson(asked))
    const { code } = await asked.json()
    const given = await fetch('/v1/auth/handoff', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    })
    if (given.status === 401) signIn()
    if (!given.ok) throw new ApiError(given.status, await readJson(given))
    tokens = await given.json()
  }

  // one hand-off at a time, however many views ask at once
  const ensureTokens = async () => {
    if (tokens) return
    handingOff ??= handoff().finally(() => {
      handingOff = undefined
    })
    await handingOff
  }

  const refresh = async () => {
    const res = await fetch('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: tokens?.refreshToken }),
    })
    tokens = res.ok ? await res.json() : undefined
  }

  const send = (path, init) =>
    fetch(path, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${tokens.accessToken}` },
    })

  /** A call as the member; an expired token is refreshed, an ended one handed off again, once. */
  const request = async (path, init = {}) => {
    await ensureTokens()
    const res = await send(path, init)
    if (res.status !== 401) return res
    const code = (await readJson(res.clone()))?.error?.code
    if (code === 'TOKEN_EXPIRED' || code === 'TOKEN_STALE') await refresh()
    else tokens = undefined
    await ensureTokens()
    return send(path, init)
  }

  /**
   * The JSON of a GET, or undefined when the API has no such route or resource (404, 405): a part
   * of the workbench whose service is not there shows as empty, never as a broken page.
   */
  const get = async (path) => {
    const res = await request(path)
    if (res.status === 404 || res.status === 405) return undefined
    const body = await readJson(res)
    if (!res.ok) throw new ApiError(res.status, body)
    return body
  }

  const post = async (path, body) => {
    const res = await request(path, {
      method: 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const answer = res.status === 204 ? undefined : await readJson(res)
    if (!res.ok) throw new ApiError(res.status, answer)
    return answer
  }

  return { get, post, ready: ensureTokens, tenant: () => tokens?.tenant }
}
