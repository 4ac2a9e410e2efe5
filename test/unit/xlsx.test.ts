import { readXlsx, XlsxError } from '../../lib/directory/xlsx.js'
import { writeXlsx } from '../support/xlsx-writer.js'

describe('XLSX reading', () => {
  it('reads shared strings (rich text runs), inline strings, numbers and gaps of the first sheet', () => {
    const file = writeXlsx([
      ['name', 'mobile', 'email'],
      ['Zhang & "San" <QA>', 8613800001111, ''],
      ['', '', 'x@y.test'],
    ])
    expect(readXlsx(file)).toEqual([
      { row: 1, cells: ['name', 'mobile', 'email'] },
      { row: 2, cells: ['Zhang & "San" <QA>', '8613800001111'] },
      { row: 3, cells: ['', '', 'x@y.test'] },
    ])
  })

  it('numbers rows by their r attribute when empty rows are left out of the file', () => {
    expect(readXlsx(writeXlsx([['name'], [], [], ['Li']]))).toEqual([
      { row: 1, cells: ['name'] },
      { row: 4, cells: ['Li'] },
    ])
  })

  it('refuses something that is not a workbook', () => {
    expect(() => readXlsx(Buffer.from('name,mobile\n'))).toThrow(XlsxError)
  })
})
