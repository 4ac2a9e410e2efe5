/**
 * RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends, a UTF-8 BOM tolerated. Blank
 * records are kept, so a record's index is its row in a spreadsheet.
 */
export const parseCsv = (text: string): string[][] => {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  const input = text.replace(/^\uFEFF/, '')
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"' && field === '') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

/**
 * A cell a spreadsheet would run as a formula (= + - @ tab CR) gets a leading ', so an export cannot
 * carry an attack. Cells that already read as quote(s) then such a character get one more, so the
 * import can drop exactly one and read back every value as it was.
 */
const DEFUSED = /^'*[=+\-@\t\r]/

const safeCell = (value: string) => (DEFUSED.test(value) ? `'${value}` : value)

/** The inverse of safeCell, for imports: what an export wrote reads back unchanged. */
export const restoreCell = (value: string) =>
  value.startsWith("'") && DEFUSED.test(value) ? value.slice(1) : value

export const formatCsv = (rows: (string | undefined)[][]): string =>
  `${rows
    .map((r) =>
      r
        .map((v) => safeCell(v ?? ''))
        .map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
        .join(','),
    )
    .join('\r\n')}\r\n`
