import { formatCsv, parseCsv } from '../../lib/directory/csv.js'

describe('CSV', () => {
  it('parses quotes, doubled quotes, commas and line breaks inside fields, CRLF and a BOM', () => {
    const text = '\uFEFFname,note\r\n"Wang, Fang","said ""hi""\nthen left"\r\nLi,\n\n'
    expect(parseCsv(text)).toEqual([
      ['name', 'note'],
      ['Wang, Fang', 'said "hi"\nthen left'],
      ['Li', ''],
    ])
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
})
