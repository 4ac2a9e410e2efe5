/** How global setup hands the run's DynamoDB Local to test files: through the environment. */
export const TEST_ENV = {
  endpoint: 'ATRIUM_TEST_DYNAMODB_ENDPOINT',
  masterKeyFile: 'ATRIUM_TEST_MASTER_KEY_FILE',
} as const

/** Global setup and teardown run in one process and share its global object. */
export type SharedStack = typeof globalThis & {
  atriumTestStack?: { stop(): Promise<void>; keyDir: string }
}
