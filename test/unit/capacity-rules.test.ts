import { itemBytes, transactionUnits, writeUnits } from '../../bench/capacity.js'

// The cost model (npm run bench) prices what DynamoDB Local misreports with these rules.
describe("DynamoDB's capacity rules in the cost model", () => {
  it('sizes items as AWS documents: names and values, numbers by significant digits, 3 + 1 per element', () => {
    expect(itemBytes({ PK: { S: 'ab' } })).toBe(4)
    expect(itemBytes({ n: { N: '-0012.3400' } })).toBe(1 + 2 + 1)
    expect(itemBytes({ n: { N: '1e+21' } })).toBe(1 + 1 + 1)
    expect(itemBytes({ é: { S: 'ü' } })).toBe(4)
    expect(itemBytes({ b: { BOOL: true }, z: { NULL: true } })).toBe(4)
    expect(itemBytes({ l: { L: [{ S: 'x' }, { N: '7' }] } })).toBe(1 + 3 + (1 + 1) + (2 + 1))
    expect(itemBytes({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + (1 + 1 + 1))
    expect(itemBytes({ s: { SS: ['a', 'bc'] }, b: { B: new Uint8Array(10) } })).toBe(1 + 3 + 1 + 10)
  })

  const item = (bytes: number, index?: string): Record<string, { S: string }> => {
    const base = {
      PK: { S: 'p' },
      SK: { S: 's' },
      ...(index ? { GSI1PK: { S: 'g' }, GSI1SK: { S: index } } : {}),
    }
    return { ...base, pad: { S: 'x'.repeat(bytes - itemBytes(base) - 3) } }
  }

  it('charges a write per KB started of the larger image, at least one', () => {
    expect(itemBytes(item(1500))).toBe(1500)
    expect(writeUnits('put', undefined, item(1024))).toEqual({ table: 1, index: 0 })
    expect(writeUnits('put', undefined, item(1025))).toEqual({ table: 2, index: 0 })
    expect(writeUnits('update', item(3000), item(900))).toEqual({ table: 3, index: 0 })
    expect(writeUnits('delete', undefined, undefined)).toEqual({ table: 1, index: 0 })
    expect(writeUnits('check', item(2100), item(2100))).toEqual({ table: 3, index: 0 })
  })

  it('charges index writes for entering, leaving, moving within and changing in an index', () => {
    expect(writeUnits('put', undefined, item(1500, 'a')).index).toBe(2)
    expect(writeUnits('update', item(1500, 'a'), item(1500)).index).toBe(2)
    expect(writeUnits('update', item(1500, 'a'), item(700, 'b')).index).toBe(2 + 1)
    expect(writeUnits('update', item(700, 'a'), item(1500, 'a')).index).toBe(2)
    expect(writeUnits('update', item(1500, 'a'), item(1500, 'a')).index).toBe(0)
    expect(writeUnits('check', item(1500, 'a'), item(1500, 'a')).index).toBe(0)
  })

  it('doubles the table part of a transaction (prepare and commit), not its index part', () => {
    expect(
      transactionUnits([
        { table: 1, index: 2 },
        { table: 3, index: 0 },
      ]),
    ).toEqual({ table: 8, index: 2 })
  })
})
