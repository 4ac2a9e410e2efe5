import { executeTransactWrite } from 'dynamodb-toolbox'
import { isConditionFailure } from '../core/db/conditions.js'
import { AppError, notFound } from '../core/errors.js'
import { identifierKind, mobileNumber, platformPhoneRegion } from '../core/identifiers.js'
import { prepareAccount, putMembership } from '../identity/accounts.js'
import { getIndustry } from './catalog.js'

export const INDUSTRY_ADMIN_ROLE = 'industry_admin'

/**
 * Makes someone an administrator of an industry. A new account gets a one-time password, shown
 * once to the system admin who hands it over (as a tenant's first administrator gets theirs); an
 * existing account keeps its password and gains the industry. Twice for one account is a 409.
 */
export const appointIndustryAdmin = async (industryCode: string, given: string) => {
  const industry = await getIndustry(industryCode)
  if (!industry) throw notFound('industry')
  const identifier =
    identifierKind(given) === 'mobile' ? mobileNumber(given, platformPhoneRegion(), 'body.identifier') : given
  const account = await prepareAccount(identifier)
  try {
    await executeTransactWrite(
      ...account.writes,
      ...putMembership({
        realm: 'industry',
        ctx: industry.code,
        ctxCode: industry.code,
        accountId: account.accountId,
        roles: [INDUSTRY_ADMIN_ROLE],
      }),
    )
  } catch (err) {
    if (isConditionFailure(err)) {
      throw new AppError(
        'CONFLICT',
        'already an administrator of this industry (or the account changed: retry)',
      )
    }
    throw err
  }
  return {
    accountId: account.accountId,
    identifier,
    industry: industry.code,
    initialPassword: account.created ? account.initialPassword : undefined,
  }
}
