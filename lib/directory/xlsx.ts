import { strFromU8, unzipSync } from 'fflate'

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

const columnIndex = (ref: string) => {
  let n = 0
  for (const ch of ref.replace(/\d+$/, '')) n = n * 26 + (ch.charCodeAt(0) - 64)
  return n - 1
}

export class XlsxError extends Error {}

/**
 * Reads the first worksheet of an .xlsx file as numbered rows of cell text: shared strings,
 * inline strings, numbers and booleans; no formulas evaluated (their cached value is read).
 */
export const readXlsx = (file: Uint8Array): { row: number; cells: string[] }[] => {
  let files: Record<string, Uint8Array>
  try {
    files = unzipSync(file)
  } catch {
    throw new XlsxError('not an .xlsx file')
  }
  const sheetName = Object.keys(files)
    .filter((f) => /^xl\/worksheets\/sheet\d+\.xml$/.test(f))
    .sort((a, b) => Number(a.match(/\d+/)?.[0]) - Number(b.match(/\d+/)?.[0]))[0]
  if (!sheetName) throw new XlsxError('the file has no worksheet')
  const shared = files['xl/sharedStrings.xml']
    ? [...strFromU8(files['xl/sharedStrings.xml']).matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) =>
        textOf(m[1] as string),
      )
    : []
  const rows: { row: number; cells: string[] }[] = []
  for (const row of strFromU8(files[sheetName] as Uint8Array).matchAll(/<row([^>]*)>([\s\S]*?)<\/row>/g)) {
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
