import { inflateRawSync } from 'node:zlib'

/**
 * What one import may inflate, all the parts it reads together. A 2,000-row sheet of 30 columns
 * is ~3 MB of XML; 50 MB leaves room for styled or sparse sheets and still fits a 1 GB Lambda
 * with the parsed rows beside it, while a deflate bomb (up to ~1,000:1, so 3 GB from the 3 MB the
 * API accepts) is stopped early.
 */
export const MAX_INFLATED_BYTES = 50 * 1024 * 1024

export class XlsxError extends Error {}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(Number(e[1] === 'x' ? `0${e.slice(1)}` : e.slice(1)))
      : (ENTITIES[e] as string),
  )

/** All the text of the <t> runs inside a fragment (rich text has several). */
const textOf = (xml: string) =>
  [...xml.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)].map((m) => decode(m[1] as string)).join('')

const attr = (attrs: string, name: string) => {
  const raw = new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(attrs)?.[1]
  return raw === undefined ? undefined : decode(raw)
}

const columnIndex = (ref: string) => {
  let n = 0
  for (const ch of ref.replace(/\d+$/, '')) n = n * 26 + (ch.charCodeAt(0) - 64)
  return n - 1
}

const utf8 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')

interface Entry {
  method: number
  compressed: Uint8Array
}

/**
 * The entries of a zip by name, from its central directory, none inflated. The sizes it declares
 * for the inflated data are never used: a part is as large as what inflating it yields.
 */
const zipEntries = (zip: Uint8Array) => {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)
  const u16 = (at: number) => view.getUint16(at, true)
  const u32 = (at: number) => view.getUint32(at, true)
  // The end record is the last 22 bytes, unless a comment (up to 65,535 bytes) follows it.
  let end = zip.length - 22
  while (end >= 0 && u32(end) !== 0x06054b50) {
    if (zip.length - end > 22 + 0xffff) throw new XlsxError('not an .xlsx file')
    end--
  }
  if (end < 0) throw new XlsxError('not an .xlsx file')
  const entries = new Map<string, Entry>()
  let at = u32(end + 16)
  for (let i = u16(end + 10); i > 0; i--) {
    if (u32(at) !== 0x02014b50) throw new XlsxError('the .xlsx file is damaged')
    const nameLength = u16(at + 28)
    const name = utf8(zip.subarray(at + 46, at + 46 + nameLength))
    const size = u32(at + 20)
    const local = u32(at + 42)
    if (u32(local) !== 0x04034b50) throw new XlsxError('the .xlsx file is damaged')
    // The local header's name and extra field may differ in length from the directory's.
    const start = local + 30 + u16(local + 26) + u16(local + 28)
    if (start + size > zip.length) throw new XlsxError('the .xlsx file is damaged')
    entries.set(name, { method: u16(at + 10), compressed: zip.subarray(start, start + size) })
    at += 46 + nameLength + u16(at + 30) + u16(at + 32)
  }
  return entries
}

const tooLarge = () =>
  new XlsxError(
    `the workbook inflates to more than ${MAX_INFLATED_BYTES / 1024 / 1024} MB (the limit of one import); split the file`,
  )

/**
 * Inflates one entry, charging what comes out to the budget. zlib stops as soon as its output
 * passes what the budget has left, so a bomb is stopped early rather than inflated whole.
 */
const inflate = (entry: Entry, budget: { left: number }): string => {
  const charge = (bytes: number) => {
    budget.left -= bytes
    if (budget.left < 0) throw tooLarge()
  }
  if (entry.method === 0) {
    charge(entry.compressed.length)
    return utf8(entry.compressed)
  }
  if (entry.method !== 8) throw new XlsxError('the .xlsx file uses an unknown compression')
  let out: Buffer
  try {
    out = inflateRawSync(entry.compressed, { maxOutputLength: Math.max(budget.left, 1) })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge()
    throw new XlsxError('the .xlsx file is damaged')
  }
  charge(out.length)
  return out.toString('utf8')
}

/** A part's path from a relationship target, which is relative to the workbook's folder. */
const partPath = (target: string) => {
  const path: string[] = target.startsWith('/') ? [] : ['xl']
  for (const segment of target.split('/')) {
    if (segment === '..') path.pop()
    else if (segment && segment !== '.') path.push(segment)
  }
  return path.join('/')
}

/**
 * Reads the workbook's first tab (the first sheet of xl/workbook.xml, whatever its part is called)
 * as numbered rows of cell text: shared strings, inline strings, numbers and booleans; no formulas
 * evaluated (their cached value is read). Only the parts it needs are inflated.
 */
export const readXlsx = (file: Uint8Array): { row: number; cells: string[] }[] => {
  let entries: Map<string, Entry>
  try {
    entries = zipEntries(file)
  } catch (err) {
    if (err instanceof XlsxError) throw err
    throw new XlsxError('not an .xlsx file') // read past the end: not a zip
  }
  const budget = { left: MAX_INFLATED_BYTES }
  const part = (path: string) => {
    const entry = entries.get(path)
    return entry && inflate(entry, budget)
  }
  const workbook = part('xl/workbook.xml')
  if (workbook === undefined) throw new XlsxError('not an .xlsx file')
  const rels = [
    ...(part('xl/_rels/workbook.xml.rels') ?? '').matchAll(/<(?:\w+:)?Relationship\s([^>]*)>/g),
  ].map(([, attrs = '']) => ({
    id: attr(attrs, 'Id'),
    type: attr(attrs, 'Type'),
    target: attr(attrs, 'Target'),
  }))
  const target = (rel: { target?: string } | undefined) => rel?.target && part(partPath(rel.target))
  // The tab order is the order of <sheet> elements (`<sheets>` is not one: a space must follow).
  const firstSheet = /<(?:\w+:)?sheet\s([^>]*)>/.exec(workbook)?.[1] ?? ''
  const sheetId = /\s[\w.-]+:id="([^"]*)"/.exec(` ${firstSheet}`)?.[1]
  const sheet = target(rels.find((r) => r.id !== undefined && r.id === sheetId))
  if (sheet === undefined) throw new XlsxError('the file has no worksheet')
  const shared = [
    ...(target(rels.find((r) => r.type?.endsWith('/sharedStrings'))) ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g),
  ].map((m) => textOf(m[1] as string))
  const rows: { row: number; cells: string[] }[] = []
  for (const row of sheet.matchAll(/<row([^>]*)>([\s\S]*?)<\/row>/g)) {
    const cells: string[] = []
    for (const cell of (row[2] as string).matchAll(/<c\s([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = cell[1] as string
      const body = cell[2] ?? ''
      const ref = /\br="([A-Z]+\d+)"/.exec(attrs)?.[1]
      const type = /\bt="(\w+)"/.exec(attrs)?.[1]
      const value = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1]
      const text =
        type === 's'
          ? (shared[Number(value)] ?? '')
          : type === 'inlineStr'
            ? textOf(body)
            : type === 'b'
              ? value === '1'
                ? 'TRUE'
                : 'FALSE'
              : decode(value ?? '')
      const at = ref ? columnIndex(ref) : cells.length
      while (cells.length < at) cells.push('')
      cells[at] = text
    }
    // Rows without cells may be left out of the file: the r attribute keeps the numbering.
    const number = Number(/\br="(\d+)"/.exec(row[1] as string)?.[1] ?? (rows.at(-1)?.row ?? 0) + 1)
    rows.push({ row: number, cells })
  }
  return rows
}
