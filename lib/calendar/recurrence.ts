/**
 * Time zones and the RRULE subset the calendar keeps (RFC 5545: FREQ=DAILY|WEEKLY|MONTHLY,
 * INTERVAL, COUNT or UNTIL, BYDAY for weekly), written here rather than taken from a package: the
 * subset is small, and expansion must follow an event's wall clock across DST changes, which
 * Node's Intl knows. "Local" times are wall-clock times held as milliseconds as if they were UTC,
 * so date arithmetic on them never meets a DST change; only the edges are converted.
 */

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000
/** No zone is further than 14 hours from UTC: a local time names an instant within this of itself. */
export const MAX_OFFSET = 14 * HOUR

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterOf = (timeZone: string) => {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    formatters.set(timeZone, f)
  }
  return f
}

export const isTimeZone = (timeZone: string): boolean => {
  try {
    formatterOf(timeZone)
    return true
  } catch {
    return false
  }
}

/** The zone's offset from UTC at an instant. */
const offsetAt = (timeZone: string, utc: number): number => {
  const p: Record<string, number> = {}
  for (const part of formatterOf(timeZone).formatToParts(utc)) p[part.type] = Number(part.value)
  const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day, p.hour, p.minute, p.second)
  return wall - (utc - (((utc % 1000) + 1000) % 1000))
}

export const utcToLocal = (timeZone: string, utc: number): number => utc + offsetAt(timeZone, utc)

/**
 * The instant of a wall-clock time. Twice-occurring times (clocks going back) take the first;
 * times a spring-forward skips take the offset before the gap, so 02:30 becomes 03:30 (RFC 5545).
 */
export const localToUtc = (timeZone: string, local: number): number => {
  const before = offsetAt(timeZone, local - DAY)
  const after = offsetAt(timeZone, local + DAY)
  const fits = [local - before, local - after].filter((utc) => utc + offsetAt(timeZone, utc) === local)
  return fits.length > 0 ? Math.min(...fits) : local - before
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/

/** `YYYY-MM-DD` or `YYYY-MM-DDTHH:mm` as a local time, undefined if it names no real date. */
export const parseLocal = (text: string): number | undefined => {
  const m = LOCAL.exec(text)
  if (!m) return undefined
  const [y, mo, d, h, mi] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number]
  const ms = Date.UTC(y, mo - 1, d, h, mi)
  const back = new Date(ms)
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined
  if (h > 23 || mi > 59) return undefined
  return ms
}

export const localDate = (local: number): string => new Date(local).toISOString().slice(0, 10)

/** A local time written as an event's times are: a date for an all-day one, else `YYYY-MM-DDTHH:mm`. */
export const formatLocal = (local: number, allDay: boolean): string =>
  new Date(local).toISOString().slice(0, allDay ? 10 : 16)

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const
/** Monday 0 … Sunday 6, the week RFC 5545 starts by default (WKST=MO). */
const weekdayOf = (local: number) => (new Date(local).getUTCDay() + 6) % 7

export interface Rule {
  freq: 'DAILY' | 'WEEKLY' | 'MONTHLY'
  interval: number
  count?: number
  /** the last local time an occurrence may start at */
  untilLocal?: number
  /** weekdays, Monday 0, in week order (weekly only) */
  byDay?: number[]
}

export const MAX_COUNT = 1000

export class RuleError extends Error {}

const UNTIL = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/

/**
 * Parses the subset, naming what is outside it. UNTIL is a date (the occurrences of that local day
 * are in) or a UTC date-time; a weekly BYDAY includes the start's own weekday, so the start is the
 * first occurrence as COUNT counts it.
 */
export const parseRule = (rrule: string, timeZone: string, startLocal: number): Rule => {
  const parts = new Map<string, string>()
  for (const part of rrule.replace(/^RRULE:/i, '').split(';')) {
    const [name = '', value, ...rest] = part.split('=')
    const key = name.trim().toUpperCase()
    if (!key || value === undefined || rest.length > 0) throw new RuleError(`"${part}" is not NAME=VALUE`)
    if (parts.has(key)) throw new RuleError(`${key} is given twice`)
    parts.set(key, value.trim().toUpperCase())
  }
  const supported = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY']
  const other = [...parts.keys()].find((k) => !supported.includes(k))
  if (other) throw new RuleError(`${other} is not supported (only ${supported.join(', ')})`)
  const freq = parts.get('FREQ')
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY')
    throw new RuleError('FREQ must be DAILY, WEEKLY or MONTHLY')
  const rule: Rule = { freq, interval: 1 }
  const interval = parts.get('INTERVAL')
  if (interval !== undefined) {
    if (!/^\d{1,3}$/.test(interval) || Number(interval) < 1 || Number(interval) > 366)
      throw new RuleError('INTERVAL must be 1 to 366')
    rule.interval = Number(interval)
  }
  const count = parts.get('COUNT')
  const until = parts.get('UNTIL')
  if (count !== undefined && until !== undefined) throw new RuleError('COUNT and UNTIL exclude each other')
  if (count !== undefined) {
    if (!/^\d{1,4}$/.test(count) || Number(count) < 1 || Number(count) > MAX_COUNT)
      throw new RuleError(`COUNT must be 1 to ${MAX_COUNT}`)
    rule.count = Number(count)
  }
  if (until !== undefined) {
    const m = UNTIL.exec(until)
    const day = m ? parseLocal(`${m[1]}-${m[2]}-${m[3]}`) : undefined
    if (!m || day === undefined) throw new RuleError('UNTIL must be YYYYMMDD or YYYYMMDDTHHMMSSZ')
    rule.untilLocal =
      m[4] === undefined
        ? day + DAY - 1
        : utcToLocal(timeZone, day + Number(m[4]) * HOUR + Number(m[5]) * MINUTE + Number(m[6]) * 1000)
    if (rule.untilLocal < startLocal) throw new RuleError('UNTIL is before the start')
  }
  const byDay = parts.get('BYDAY')
  if (byDay !== undefined) {
    if (freq !== 'WEEKLY') throw new RuleError('BYDAY is supported with FREQ=WEEKLY only')
    const days = byDay.split(',').map((d) => WEEKDAYS.indexOf(d as (typeof WEEKDAYS)[number]))
    if (days.some((d) => d < 0)) throw new RuleError('BYDAY lists weekdays: MO, TU, WE, TH, FR, SA, SU')
    if (!days.includes(weekdayOf(startLocal))) throw new RuleError("BYDAY must include the start's weekday")
    rule.byDay = [...new Set(days)].sort()
  }
  return rule
}

/** The rule written back in a canonical order (what the API answers). */
export const formatRule = (rrule: string): string => {
  const parts = rrule
    .replace(/^RRULE:/i, '')
    .split(';')
    .map((p) => p.trim().toUpperCase())
  const order = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY']
  return parts
    .sort((a, b) => order.indexOf(a.split('=')[0] ?? '') - order.indexOf(b.split('=')[0] ?? ''))
    .join(';')
}

/** Local start times of a rule's occurrences, in order (unbounded: the caller stops). */
function* localStarts(startLocal: number, rule: Rule | undefined): Generator<number> {
  if (!rule) {
    yield startLocal
    return
  }
  const step = rule.interval
  if (rule.freq === 'DAILY') {
    for (let i = 0; ; i++) yield startLocal + i * step * DAY
  }
  if (rule.freq === 'WEEKLY') {
    const weekStart = startLocal - weekdayOf(startLocal) * DAY
    const days = rule.byDay ?? [weekdayOf(startLocal)]
    for (let w = 0; ; w += step)
      for (const d of days) {
        const at = weekStart + (w * 7 + d) * DAY
        if (at >= startLocal) yield at
      }
  }
  // monthly on the start's day of the month; months without that day have no occurrence (RFC 5545)
  const s = new Date(startLocal)
  const timeOfDay = startLocal % DAY
  for (let i = 0; ; i += step) {
    const at = Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + i, s.getUTCDate())
    if (new Date(at).getUTCDate() === s.getUTCDate()) yield at + timeOfDay
  }
}

/**
 * One occurrence of a series changed on its own (RFC 5545's RECURRENCE-ID): cancelled (EXDATE), or
 * given its own times, title or location; what it does not give is the series'.
 */
export interface Exception {
  /** the occurrence's start as the series has it, on the series' wall clock (as `start` is written) */
  recurrenceId: string
  cancelled?: boolean
  start?: string
  end?: string
  title?: string
  location?: string
}

/** When an event happens, as stored: wall-clock start and end in its zone, its rule and its exceptions. */
export interface Timing {
  timeZone: string
  allDay: boolean
  /** `YYYY-MM-DD` for an all-day event (end exclusive), else `YYYY-MM-DDTHH:mm` */
  start: string
  end: string
  rrule?: string
  exceptions?: Exception[]
}

export interface Occurrence {
  /** instants */
  start: number
  end: number
  /** wall-clock times in the event's zone */
  localStart: number
  localEnd: number
  /** the local start the series gives it (moved or not) */
  recurrenceId: number
  /** its own title and location, when changed on its own */
  title?: string
  location?: string
}

/** The series' own local starts, COUNT and UNTIL applied, exceptions not. */
function* seriesStarts(t: Timing): Generator<number> {
  const startLocal = parseLocal(t.start) as number
  const rule = t.rrule ? parseRule(t.rrule, t.timeZone, startLocal) : undefined
  let n = 0
  for (const localStart of localStarts(startLocal, rule)) {
    n++
    if (rule?.count !== undefined && n > rule.count) return
    if (rule?.untilLocal !== undefined && localStart > rule.untilLocal) return
    yield localStart
  }
}

const lengthOf = (t: Timing) => (parseLocal(t.end) as number) - (parseLocal(t.start) as number)

/** Whether a local start is one the series gives (a RECURRENCE-ID may name only those). */
export const isSeriesStart = (t: Timing, local: number): boolean => {
  for (const localStart of seriesStarts(t)) if (localStart >= local) return localStart === local
  return false
}

/** The series' local starts that an exception took out of the plain expansion. */
const exceptedStarts = (t: Timing) => new Set((t.exceptions ?? []).map((x) => parseLocal(x.recurrenceId)))

/** Occurrences changed on their own (not cancelled), where they now are, in no order. */
export const changedOccurrences = (t: Timing): Occurrence[] =>
  (t.exceptions ?? [])
    .filter((x) => !x.cancelled)
    .map((x) => {
      const recurrenceId = parseLocal(x.recurrenceId) as number
      const localStart = x.start === undefined ? recurrenceId : (parseLocal(x.start) as number)
      const localEnd = x.end === undefined ? localStart + lengthOf(t) : (parseLocal(x.end) as number)
      return {
        start: localToUtc(t.timeZone, localStart),
        end: localToUtc(t.timeZone, localEnd),
        localStart,
        localEnd,
        recurrenceId,
        ...(x.title === undefined ? {} : { title: x.title }),
        ...(x.location === undefined ? {} : { location: x.location }),
      }
    })

/**
 * The series' unchanged occurrences in order, from the first one that may end after `fromUtc`
 * (those before are skipped without converting them: cheap, so a series started years ago costs a
 * loop, not a DynamoDB read). Every occurrence lasts as long on the wall clock as the first:
 * 09:00–10:00 stays so across DST. Exceptions are left out: see occurrencesBetween.
 */
export function* occurrences(t: Timing, fromUtc = Number.NEGATIVE_INFINITY): Generator<Occurrence> {
  const length = lengthOf(t)
  const excepted = exceptedStarts(t)
  for (const localStart of seriesStarts(t)) {
    const localEnd = localStart + length
    if (localEnd + MAX_OFFSET < fromUtc || excepted.has(localStart)) continue
    const end = localToUtc(t.timeZone, localEnd)
    if (end <= fromUtc) continue
    yield { start: localToUtc(t.timeZone, localStart), end, localStart, localEnd, recurrenceId: localStart }
  }
}

/** Occurrences overlapping `[fromUtc, toUtc)`, changed ones where they now are, cancelled ones not. */
export const occurrencesBetween = (t: Timing, fromUtc: number, toUtc: number): Occurrence[] => {
  const found: Occurrence[] = []
  for (const o of occurrences(t, fromUtc)) {
    if (o.localStart - MAX_OFFSET >= toUtc) break
    if (o.start < toUtc) found.push(o)
  }
  for (const o of changedOccurrences(t)) if (o.start < toUtc && o.end > fromUtc) found.push(o)
  return found.sort((a, b) => a.start - b.start)
}

/**
 * The first instant and the last end of an event (undefined: a series without end), counting the
 * occurrences moved on their own (a cancelled last one leaves the end as it was: it only needs to be
 * late enough for the day's query to find the series).
 */
export const spanOf = (t: Timing): { first: number; last?: number } => {
  const length = lengthOf(t)
  const rule = t.rrule ? parseRule(t.rrule, t.timeZone, parseLocal(t.start) as number) : undefined
  const changed = changedOccurrences(t)
  const first = Math.min(
    localToUtc(t.timeZone, parseLocal(t.start) as number),
    ...changed.map((o) => o.start),
  )
  if (rule && rule.count === undefined && rule.untilLocal === undefined) return { first }
  let lastStart = parseLocal(t.start) as number
  for (const localStart of seriesStarts(t)) lastStart = localStart
  return { first, last: Math.max(localToUtc(t.timeZone, lastStart + length), ...changed.map((o) => o.end)) }
}

/** The instant range of a local date in a zone: `[00:00, next 00:00)`. */
export const dayRange = (date: string, timeZone: string): [number, number] => {
  const local = parseLocal(date) as number
  return [localToUtc(timeZone, local), localToUtc(timeZone, local + DAY)]
}
