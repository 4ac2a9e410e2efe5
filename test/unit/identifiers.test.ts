import { AppError } from '../../lib/core/errors.js'
import { mobileNumber, normaliseIdentifier, PhoneRegionSchema } from '../../lib/core/identifiers.js'

describe('identifiers', () => {
  it('lower-cases e-mail addresses', () => {
    expect(normaliseIdentifier('  Boss@Example.COM ', 'CN')).toEqual({
      kind: 'email',
      value: 'boss@example.com',
    })
  })

  it('gives every spelling of a mobile number one E.164 form, national ones read in the region', () => {
    for (const spelling of ['+86 139-1234 (5678)', '8613912345678', '139 1234 5678', '0086 13912345678'])
      expect(normaliseIdentifier(spelling, 'CN')).toEqual({ kind: 'mobile', value: '+8613912345678' })
    expect(normaliseIdentifier('(415) 555-0100', 'US').value).toBe('+14155550100')
    // Written internationally, a number is read as it says, whatever the region.
    expect(normaliseIdentifier('+1 415 555 0100', 'CN').value).toBe('+14155550100')
  })

  it('refuses what is not a valid mobile number for the region, naming the field', () => {
    expect(mobileNumber('139 1234 5678', 'CN', 'body.mobile')).toBe('+8613912345678')
    for (const [value, region] of [
      ['010 1234 5678', 'CN'], // a Beijing landline
      ['139 1234 5678', 'US'],
      ['12345678', 'CN'],
    ] as const) {
      const refused = (() => {
        try {
          mobileNumber(value, region, 'body.mobile')
        } catch (err) {
          return err
        }
      })()
      expect(refused).toBeInstanceOf(AppError)
      expect((refused as AppError).details).toEqual([
        {
          path: 'body.mobile',
          message: `not a valid mobile number (national numbers are read as ${region})`,
        },
      ])
    }
  })

  it('takes ISO 3166 alpha-2 regions that have a numbering plan', () => {
    expect(PhoneRegionSchema.parse(' us ')).toBe('US')
    expect(PhoneRegionSchema.safeParse('ZZ').success).toBe(false)
    expect(PhoneRegionSchema.safeParse('CHN').success).toBe(false)
  })
})
