const Sequencer = require('@jest/test-sequencer').default

const isIamCheck = (test) => test.context.config.displayName?.name === 'iam'

/**
 * Jest's own order, then the IAM check (test/iam) after every other test file: it reads the AWS
 * commands they recorded. With --runInBand (npm test) "after" means after they finished.
 */
class IamCheckLast extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests)
    return [...sorted.filter((t) => !isIamCheck(t)), ...sorted.filter(isIamCheck)]
  }
}

module.exports = IamCheckLast
