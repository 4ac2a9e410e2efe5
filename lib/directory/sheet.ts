import { AppError } from '../core/errors.js'
import { parseCsv, restoreCell } from './csv.js'
import { readXlsx, XlsxError } from './xlsx.js'

/** A file must fit one synchronous call (API Gateway answers within 29 s). */
export const MAX_IMPORT_ROWS = 2000

/** A non-blank row of an import file, numbered as a spreadsheet shows it. */
export interface SheetRow {
  row: number
  cells: string[]
}

export const invalidFile = (message: string) =>
  new AppError('VALIDATION_FAILED', message, [{ path: 'body.content', message }])

const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '')

const rowsOf = (input: { format: 'csv' | 'xlsx'; content: string }): SheetRow[] => {
  if (input.format === 'csv') return parseCsv(input.content).map((cells, i) => ({ row: i + 1, cells }))
  try {
    return readXlsx(Buffer.from(input.content, 'base64'))
  } catch (err) {
    if (!(err instanceof XlsxError)) throw err
    throw invalidFile(err.message)
  }
}

/** Cells as the export wrote them (a defused formula cell reads back as its value), in either format. */
const restored = (rows: SheetRow[]) => rows.map((r) => ({ row: r.row, cells: r.cells.map(restoreCell) }))

/**
 * Reads an import file (CSV text or a base64 .xlsx): the first non-blank row names the columns
 * (compared without case, spaces or underscores), the rest are the data rows; blank rows are
 * skipped but keep their numbers, so a report's row is the row the user sees.
 */
export const readSheet = (input: { format: 'csv' | 'xlsx'; content: string }) => {
  const [header, ...rows] = restored(rowsOf(input)).filter((r) => !isBlank(r.cells))
  if (!header) throw invalidFile('the file is empty')
  if (rows.length > MAX_IMPORT_ROWS) throw invalidFile(`at most ${MAX_IMPORT_ROWS} rows per file`)
  const columns = header.cells.map((h) => h.trim().toLowerCase().replace(/[\s_]/g, ''))
  return { columns, rows }
}
