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
      ['name', 'mobile', 'email'],
      ['Zhang & "San" <QA>', '8613800001111'],
      ['', '', 'x@y.test'],
    ])
  })

  it('refuses something that is not a workbook', () => {
    expect(() => readXlsx(Buffer.from('name,mobile\n'))).toThrow(XlsxError)
  })
})
