import { strToU8, Zip, ZipDeflate, ZipPassThrough } from 'fflate'

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const col = (i: number) => {
  let s = ''
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s
  return s
}

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'

type Rows = (string | number)[][]

/**
 * A part's content: XML text (deflated by the zip), or a raw DEFLATE stream stored as it is with
 * the inflated size the zip should declare (by default its compressed length: a lie).
 */
type Part = string | { deflated: Uint8Array; declaredSize?: number }

/** A pre-deflated part: what the zip declares is whatever it is told (its CRC is not checked here). */
class Deflated extends ZipPassThrough {
  constructor(
    name: string,
    private readonly declaredSize?: number,
  ) {
    super(name)
    this.compression = 8
  }

  protected override process(chunk: Uint8Array<ArrayBuffer>, final: boolean) {
    if (final && this.declaredSize !== undefined) this.size = this.declaredSize
    super.process(chunk, final)
  }
}

/** A zip of parts. */
export const zipParts = (parts: Record<string, Part>): Buffer => {
  const out: Uint8Array[] = []
  const zip = new Zip((err, chunk) => {
    if (err) throw err
    out.push(chunk)
  })
  for (const [name, content] of Object.entries(parts)) {
    if (typeof content === 'string') {
      const file = new ZipDeflate(name)
      zip.add(file)
      file.push(strToU8(content), true)
    } else {
      const file = new Deflated(name, content.declaredSize)
      zip.add(file)
      file.push(content.deflated, true)
    }
  }
  zip.end()
  return Buffer.concat(out)
}

/**
 * A raw DEFLATE stream of `1 + 258 * runs` copies of one byte (up to 143), written by hand so a
 * bomb costs nothing to build: one fixed-Huffman block, a literal, then matches of length 258 at
 * distance 1 (13 bits each, ~160:1).
 */
export const deflatedRepeat = (byte: number, runs: number) => {
  const out = new Uint8Array(Math.ceil((3 + 8 + 13 * runs + 7) / 8))
  let bit = 0
  const write = (value: number, width: number, msbFirst: boolean) => {
    for (let i = 0; i < width; i++, bit++) {
      if ((value >> (msbFirst ? width - 1 - i : i)) & 1)
        out[bit >> 3] = (out[bit >> 3] as number) | (1 << (bit & 7))
    }
  }
  write(1, 1, false) // the final block
  write(1, 2, false) // fixed Huffman codes
  write(0x30 + byte, 8, true) // the literal
  for (let r = 0; r < runs; r++) {
    write(0xc5, 8, true) // length 258 (symbol 285)
    write(0, 5, true) // distance 1 (code 0)
  }
  write(0, 7, true) // end of block
  return out
}

/** One tab: its name and rows, and optionally the raw content of its worksheet part. */
export interface Tab {
  name: string
  rows?: Rows
  /** the worksheet part as given (a bomb, say) instead of one built from rows */
  part?: Part
}

/**
 * A minimal .xlsx as spreadsheet programs write it: the tabs in the workbook's order, each a
 * worksheet part named by `partNumbers` (by default 1, 2… in tab order; a tab dragged to the
 * front keeps its part's number), headers as shared strings, numbers as numeric cells, other text
 * as inline strings, so the reader's paths are exercised. `extra` parts are added as they are.
 */
export const writeWorkbook = (
  tabs: Tab[],
  options: { partNumbers?: number[]; extra?: Record<string, Part> } = {},
): Buffer => {
  const numbers = options.partNumbers ?? tabs.map((_, i) => i + 1)
  const shared = [...new Set(tabs.flatMap((t) => (t.rows?.[0] ?? []).map(String)))]
  const cell = (v: string | number, r: number, c: number) => {
    const ref = `${col(c)}${r + 1}`
    if (r === 0) return `<c r="${ref}" t="s"><v>${shared.indexOf(String(v))}</v></c>`
    if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`
    return v === '' ? '' : `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${esc(v)}</t></is></c>`
  }
  const sheet = (rows: Rows) =>
    `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}"><sheetData>${rows
      // Like spreadsheet programs, rows without cells are left out (the r attribute numbers the rest).
      .map((r, i) =>
        r.length === 0 ? '' : `<row r="${i + 1}">${r.map((v, j) => cell(v, i, j)).join('')}</row>`,
      )
      .join('')}</sheetData></worksheet>`
  const sst = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${MAIN}" count="${shared.length}">${shared
    .map((s) => `<si><r><t>${esc(s.slice(0, 2))}</t></r><r><t>${esc(s.slice(2))}</t></r></si>`)
    .join('')}</sst>`
  const workbook = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>${tabs
    .map((t, i) => `<sheet name="${esc(t.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
    .join('')}</sheets></workbook>`
  const rels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${tabs
    .map(
      (_, i) =>
        `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${numbers[i]}.xml"/>`,
    )
    .join(
      '',
    )}<Relationship Id="rIdS" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
  return zipParts({
    '[Content_Types].xml':
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    'xl/workbook.xml': workbook,
    'xl/_rels/workbook.xml.rels': rels,
    'xl/sharedStrings.xml': sst,
    ...Object.fromEntries(
      tabs.map((t, i) => [`xl/worksheets/sheet${numbers[i]}.xml`, t.part ?? sheet(t.rows ?? [])]),
    ),
    ...options.extra,
  })
}

/** A workbook of one tab. */
export const writeXlsx = (rows: Rows): Buffer => writeWorkbook([{ name: 'Sheet1', rows }])
