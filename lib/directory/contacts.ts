import { DeleteTransaction, Entity, GetItemCommand, item, PutTransaction, string } from 'dynamodb-toolbox'
import type { FieldCipher } from '../core/crypto/field-cipher.js'
import { batchGet } from '../core/db/batch-get.js'
import { tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { normaliseIdentifier, type PhoneRegion } from '../core/identifiers.js'
import type { TenantScope } from '../core/tenancy.js'
import { foldName } from '../core/text.js'

/** Guard: a mobile number or an e-mail address belongs to one member of a tenant. */
const ContactEntity = new Entity({
  name: 'MemberContact',
  table,
  timestamps: false,
  schema: item({ tenantId: string().key(), blindIndex: string().key(), accountId: string() }),
  computeKey: ({ tenantId, blindIndex }: { tenantId: string; blindIndex: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `CONTACT#${blindIndex}`,
  }),
})

/**
 * The tenant-keyed blind index of a contact value, a national mobile number read in the tenant's
 * region, so every spelling of one number is one contact; `kind` keeps mobiles and e-mails apart.
 */
export const contactIndex = (cipher: FieldCipher, value: string, region: PhoneRegion) => {
  const { kind, value: normalised } = normaliseIdentifier(value, region)
  return cipher.blindIndex(`contact-${kind}`, normalised)
}

export const nameIndex = (cipher: FieldCipher, name: string) => cipher.blindIndex('name', foldName(name))

export const claimContact = ({ tenantId }: TenantScope, blindIndex: string, accountId: string) =>
  ContactEntity.build(PutTransaction)
    .item({ tenantId, blindIndex, accountId })
    .options({ condition: { attr: 'blindIndex', exists: false } })

export const releaseContact = ({ tenantId }: TenantScope, blindIndex: string) =>
  ContactEntity.build(DeleteTransaction).key({ tenantId, blindIndex })

/** The members holding these contacts (by blind index), in the order asked: a batch read per 100. */
export const membersByContacts = async ({ tenantId }: TenantScope, blindIndexes: string[]) =>
  (
    await batchGet(
      ContactEntity,
      blindIndexes.map((blindIndex) => ({ tenantId, blindIndex })),
    )
  ).map((c) => c?.accountId)

export const memberByContact = async ({ tenantId }: TenantScope, blindIndex: string) => {
  const { Item } = await ContactEntity.build(GetItemCommand).key({ tenantId, blindIndex }).send()
  return Item?.accountId
}
