/**
 * Projects: unit (no I/O), integration (DynamoDB Local), infra (CDK assertions), e2e
 * (serverless-offline), iam (checks the roles against the AWS commands the others recorded; last).
 */
const shared = {
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // ESM-only packages must be transformed too
  transformIgnorePatterns: ['node_modules/(?!(jose|@middy|openid-client|oauth4webapi)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
}

// Jest runs a global setup once even when several projects name it, and only for projects
// with tests selected: a unit-only run starts no DynamoDB Local.
const withDynamoDb = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
}

module.exports = {
  testTimeout: 60_000,
  testSequencer: '<rootDir>/test/support/sequencer.js',
  projects: ['unit', 'integration', 'infra', 'e2e', 'iam'].map((name) => ({
    ...shared,
    ...(name === 'integration' || name === 'e2e' ? withDynamoDb : {}),
    displayName: name,
    testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  })),
}
