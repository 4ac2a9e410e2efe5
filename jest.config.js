/** Projects: unit (no I/O), integration (DynamoDB Local), infra (CDK assertions), e2e (serverless-offline). */
const shared = {
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // jose and middy ship ES modules only
  transformIgnorePatterns: ['node_modules/(?!(jose|@middy)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
}

module.exports = {
  testTimeout: 60_000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: ['unit', 'integration', 'infra', 'e2e'].map((name) => ({
    ...shared,
    displayName: name,
    testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  })),
}
