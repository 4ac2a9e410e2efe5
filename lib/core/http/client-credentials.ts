import { AppError, type FieldIssue } from '../errors.js'

const invalid = (issues: FieldIssue[]) =>
  new AppError('VALIDATION_FAILED', `invalid ${issues.map((i) => i.path).join(', ')}`, issues)

const formDecoded = (part: string) => {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '))
  } catch {
    return undefined
  }
}

/**
 * An app's client credentials, as HTTP Basic (RFC 6749 2.3.1: id and secret each form-encoded)
 * or in the body, and only one of the two. Missing or doubled credentials are a 400 naming them.
 */
export const clientCredentials = (
  authorization: string | undefined,
  body: { clientId?: string; clientSecret?: string },
) => {
  const basic = authorization === undefined ? undefined : /^Basic\s+(\S+)$/i.exec(authorization)?.[1]
  if (basic !== undefined) {
    if (body.clientId !== undefined || body.clientSecret !== undefined) {
      throw invalid([
        { path: 'body.clientId', message: 'credentials go in the body or as HTTP Basic, not both' },
      ])
    }
    const text = Buffer.from(basic, 'base64').toString('utf8')
    const at = text.indexOf(':')
    const clientId = at > 0 ? formDecoded(text.slice(0, at)) : undefined
    const clientSecret = at > 0 ? formDecoded(text.slice(at + 1)) : undefined
    if (!clientId || !clientSecret) {
      throw invalid([{ path: 'header.authorization', message: 'HTTP Basic of clientId:clientSecret' }])
    }
    return { clientId, clientSecret }
  }
  const { clientId, clientSecret } = body
  if (clientId === undefined || clientSecret === undefined) {
    throw invalid(
      (['clientId', 'clientSecret'] as const)
        .filter((k) => body[k] === undefined)
        .map((k) => ({ path: `body.${k}`, message: 'required (or the credentials as HTTP Basic)' })),
    )
  }
  return { clientId, clientSecret }
}
