/** A name as people compare it: case, width and runs of spaces do not make two names differ. */
export const foldName = (name: string) => name.trim().normalize('NFKC').toLowerCase().replace(/\s+/g, ' ')

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text safe in HTML content and in a quoted attribute. */
export const escapeHtml = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string)

/** RFC 3986 encoding: unreserved characters stay, everything else is %XX (upper case), as request signatures (SigV4, Huawei's API gateway) canonicalise. */
export const uriEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
