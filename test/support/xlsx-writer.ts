import { strToU8, zipSync } from 'fflate'

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const col = (i: number) => {
  let s = ''
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s
  return s
}

/**
 * A minimal .xlsx as spreadsheet programs write it: the header row as shared strings, numbers as
 * numeric cells, other text as inline strings, so the reader's three paths are exercised.
 */
export const writeXlsx = (rows: (string | number)[][]): Buffer => {
  const shared = (rows[0] ?? []).map(String)
  const cell = (v: string | number, r: number, c: number) => {
    const ref = `${col(c)}${r + 1}`
    if (r === 0) return `<c r="${ref}" t="s"><v>${shared.indexOf(String(v))}</v></c>`
    if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`
    return v === '' ? '' : `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${esc(v)}</t></is></c>`
  }
  const sheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows
    // Like spreadsheet programs, rows without cells are left out (the r attribute numbers the rest).
    .map((r, i) =>
      r.length === 0 ? '' : `<row r="${i + 1}">${r.map((v, j) => cell(v, i, j)).join('')}</row>`,
    )
    .join('')}</sheetData></worksheet>`
  const sst = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${shared.length}">${shared
    .map((s) => `<si><r><t>${esc(s.slice(0, 2))}</t></r><r><t>${esc(s.slice(2))}</t></r></si>`)
    .join('')}</sst>`
  return Buffer.from(
    zipSync({
      '[Content_Types].xml': strToU8(
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
      ),
      'xl/workbook.xml': strToU8('<?xml version="1.0"?><workbook/>'),
      'xl/sharedStrings.xml': strToU8(sst),
      'xl/worksheets/sheet1.xml': strToU8(sheet),
    }),
  )
}
