import { Entity, item, PutTransaction, string, Table } from 'dynamodb-toolbox'
import { TransactionTooLarge, transaction } from '../../lib/core/db/transaction.js'

// Builds writes only: both checks refuse before anything is sent.
const table = new Table({
  name: 'unit',
  partitionKey: { name: 'PK', type: 'string' },
  sortKey: { name: 'SK', type: 'string' },
})
const Thing = new Entity({
  name: 'Thing',
  table,
  timestamps: false,
  schema: item({ id: string().key() }),
  computeKey: ({ id }: { id: string }) => ({ PK: `THING#${id}`, SK: 'THING' }),
})
const put = (id: string) => Thing.build(PutTransaction).item({ id })

describe('labelled transactions', () => {
  it('refuses more than 100 writes, naming what is in it', async () => {
    const tx = transaction()
      .add('members', ...Array.from({ length: 60 }, (_, i) => put(`m${i}`)))
      .add('places', ...Array.from({ length: 41 }, (_, i) => put(`p${i}`)))
    await expect(tx.run()).rejects.toThrow(TransactionTooLarge)
    await expect(tx.run()).rejects.toThrow(/members ×60, places ×41/)
  })

  it('refuses two writes of one item, naming both', async () => {
    const tx = transaction().add('first', put('same')).add('second', put('same'))
    await expect(tx.run()).rejects.toThrow(/"second" and "first" write the same item/)
  })

  it('does nothing for an empty transaction', async () => {
    await expect(transaction().add('nothing').run()).resolves.toBeUndefined()
  })
})
