import { inflateSync } from 'fflate'
import { MAX_INFLATED_BYTES, readXlsx, XlsxError } from '../../lib/directory/xlsx.js'
import { deflatedRepeat, writeWorkbook, writeXlsx } from '../support/xlsx-writer.js'

/** Runs of 258 bytes that inflate past the import's cap (~60 MB from ~390 KB). */
const bombRuns = Math.ceil((MAX_INFLATED_BYTES * 1.2) / 258)

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

  it("reads the workbook's first tab, not the worksheet part named first", () => {
    // The user dragged "Members" (part sheet2.xml) in front of "Notes" (part sheet1.xml).
    const file = writeWorkbook(
      [
        { name: 'Members', rows: [['name'], ['Li Lei']] },
        { name: 'Notes', rows: [['note'], ['not members']] },
      ],
      { partNumbers: [2, 1] },
    )
    expect(readXlsx(file)).toEqual([
      { row: 1, cells: ['name'] },
      { row: 2, cells: ['Li Lei'] },
    ])
  })

  it('refuses something that is not a workbook', () => {
    expect(() => readXlsx(Buffer.from('name,mobile\n'))).toThrow(XlsxError)
  })

  it.each([
    ['its true size', 1 + bombRuns * 258],
    ['a small size', undefined],
  ])('stops inflating a worksheet once the parts pass the cap, the zip declaring %s', (_, declaredSize) => {
    expect(Buffer.from(inflateSync(deflatedRepeat(0x61, 3))).toString()).toBe('a'.repeat(1 + 3 * 258))
    const bomb = { deflated: deflatedRepeat(0x61, bombRuns), declaredSize }
    const file = writeWorkbook([{ name: 'Sheet1', part: bomb }])
    expect(file.length).toBeLessThan(500_000)
    expect(() => readXlsx(file)).toThrow(`more than ${MAX_INFLATED_BYTES / 1024 / 1024} MB`)
  })

  it('never inflates a part it does not need', () => {
    const file = writeWorkbook([{ name: 'Sheet1', rows: [['name'], ['Li']] }], {
      extra: { 'xl/media/image1.png': { deflated: deflatedRepeat(0x61, bombRuns) } },
    })
    expect(readXlsx(file)).toEqual([
      { row: 1, cells: ['name'] },
      { row: 2, cells: ['Li'] },
    ])
  })
})
