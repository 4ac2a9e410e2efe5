import type { FieldCipher } from '../core/crypto/field-cipher.js'
import type { WriteItem } from '../core/db/conditions.js'
import { tenantIndexPartition } from '../core/db/keys.js'
import { identifierKind, type PhoneRegion } from '../core/identifiers.js'
import type { TenantScope } from '../core/tenancy.js'
import { claimContact, contactIndex, nameIndex } from './contacts.js'

/** Binds a ciphertext to its member and field, so one field's value cannot be pasted into another. */
export const memberAad = (accountId: string, field: 'name' | 'mobile' | 'email') =>
  `member:${accountId}:${field}`

export { accountName } from '../identity/account-names.js'

/** One personal field of a membership, decrypted (undefined when the member has none). */
export const memberField = (
  cipher: FieldCipher,
  m: { accountId: string; nameEnc?: string; mobileEnc?: string; emailEnc?: string },
  field: 'name' | 'mobile' | 'email',
) => {
  const sealed = m[`${field}Enc`]
  return sealed ? cipher.decrypt(sealed, memberAad(m.accountId, field)) : undefined
}

/** The key of the name search index (exact full name, through its blind index). */
export const nameKeys = (tenantId: string, cipher: FieldCipher, name: string, accountId: string) => ({
  GSI2PK: tenantIndexPartition(tenantId, 'NAME', nameIndex(cipher, name)),
  GSI2SK: accountId,
})

export interface Person {
  name: string
  /** in E.164 (see mobileNumber) */
  mobile?: string
  email?: string
}

/**
 * A member's personal data as stored: encrypted fields, their blind indexes, and the guards that
 * keep each mobile number and e-mail address to one member of the tenant. Everyone who becomes a
 * member (added, imported, invited, or the tenant administrator when the tenant opens) goes
 * through here.
 */
export const memberRecord = (
  scope: TenantScope,
  cipher: FieldCipher,
  accountId: string,
  person: Person,
  region: PhoneRegion,
) => {
  const mobileBi = person.mobile ? contactIndex(cipher, person.mobile, region) : undefined
  const emailBi = person.email ? contactIndex(cipher, person.email, region) : undefined
  const guards: WriteItem[] = [mobileBi, emailBi]
    .filter((b): b is string => b !== undefined)
    .map((b) => claimContact(scope, b, accountId))
  return {
    fields: {
      nameEnc: cipher.encrypt(person.name, memberAad(accountId, 'name')),
      mobileEnc: person.mobile ? cipher.encrypt(person.mobile, memberAad(accountId, 'mobile')) : undefined,
      emailEnc: person.email ? cipher.encrypt(person.email, memberAad(accountId, 'email')) : undefined,
      mobileBi,
      emailBi,
      ...nameKeys(scope.tenantId, cipher, person.name, accountId),
    },
    guards,
  }
}

/** A login identifier as the contact field it is (the tenant administrator's, say). */
export const contactOf = (identifier: string): Pick<Person, 'mobile' | 'email'> =>
  identifierKind(identifier) === 'mobile' ? { mobile: identifier } : { email: identifier }
