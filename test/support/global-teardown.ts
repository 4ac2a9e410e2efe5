export default async function globalTeardown(): Promise<void> {
  await (globalThis as { atriumDynamo?: { stop(): Promise<void> } }).atriumDynamo?.stop()
}
