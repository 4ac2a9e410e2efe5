/** One source of "now", so tests can move time (expiry, lockouts, key rotation) without sleeping. */
let offsetMs = 0

export const nowMs = (): number => Date.now() + offsetMs
export const now = (): Date => new Date(nowMs())
export const nowIso = (): string => now().toISOString()
export const nowEpochSeconds = (): number => Math.floor(nowMs() / 1000)

export const advanceClock = (ms: number): void => {
  offsetMs += ms
}
export const resetClock = (): void => {
  offsetMs = 0
}

/** `yyyyMMdd'T'HHmmss'Z'` (ISO 8601 basic), the time request signatures carry. */
export const basicIsoTime = (ms: number): string => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '')

export const addDays = (iso: string, days: number): string =>
  new Date(Date.parse(iso) + days * 86_400_000).toISOString()
