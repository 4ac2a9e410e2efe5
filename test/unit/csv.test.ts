import { formatCsv, parseCsv, restoreCell } from '../../lib/directory/csv.js'
import { readSheet } from '../../lib/directory/sheet.js'

describe('CSV', () => {
  it('parses quotes, doubled quotes, commas and line breaks inside fields, CRLF and a BOM', () => {
    const text = '\uFEFFname,note\r\n"Wang, Fang","said ""hi""\nthen left"\r\nLi,\n\n'
    expect(parseCsv(text)).toEqual([
      ['name', 'note'],
      ['Wang, Fang', 'said "hi"\nthen left'],
      ['Li', ''],
      [''], // a blank record stays, so the records keep their spreadsheet row numbers
    ])
  })

  it('numbers the rows of an import file as a spreadsheet does, skipping blank ones', () => {
    const sheet = readSheet({ format: 'csv', content: '\nName, Employee_No\nLi,"E\n1"\n , \nWang,E2\n' })
    expect(sheet.columns).toEqual(['name', 'employeeno'])
    expect(sheet.rows).toEqual([
      { row: 3, cells: ['Li', 'E\n1'] },
      { row: 5, cells: ['Wang', 'E2'] },
    ])
    expect(() => readSheet({ format: 'csv', content: '\n , \n' })).toThrow('the file is empty')
  })

  it('round-trips and defuses formula cells', () => {
    const rows = [
      ['a,b', 'x"y'],
      ['=HYPERLINK("evil")', '+86 138'],
    ]
    const text = formatCsv(rows)
    expect(parseCsv(text)).toEqual([
      ['a,b', 'x"y'],
      ['\'=HYPERLINK("evil")', "'+86 138"],
    ])
  })

  it('reads back what the export wrote, and leaves other quotes alone', () => {
    const rows = [['=1+1', '+8613900000001', '-7', '@Li', '\tx', "'+x", "'quoted", "'", 'plain']]
    expect(parseCsv(formatCsv(rows)).map((r) => r.map(restoreCell))).toEqual(rows)
    expect(restoreCell("'quoted")).toBe("'quoted")
  })
})
