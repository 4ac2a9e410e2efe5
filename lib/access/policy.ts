/**
 * Who may use an app, as a pure function of its rules and a member's place in the directory:
 * an allow rule reaches a member, a department (and, when asked, the departments below it) or a
 * group; a deny rule reaches a member or a department the same way and overrides every allow.
 */

export type SubjectType = 'member' | 'department' | 'group'
export type Effect = 'allow' | 'deny'

export interface Rule {
  grantId: string
  effect: Effect
  subjectType: SubjectType
  subjectId: string
  includeSubDepartments: boolean
}

export interface Placement {
  memberId: string
  departmentIds: readonly string[]
  groupIds: ReadonlySet<string>
}

/** A rule that reaches the member, and for a department rule the member's department it comes through. */
export interface Match {
  rule: Rule
  via?: string
}

export interface Verdict {
  allowedBy: Match[]
  deniedBy: Match[]
  allowed: boolean
}

/** One id per subject and effect: granting the same subject again changes the grant in place. */
export const grantIdOf = (effect: Effect, subjectType: SubjectType, subjectId: string) =>
  `${effect === 'deny' ? 'deny-' : ''}${subjectType}-${subjectId}`

export const GRANT_ID_PATTERN = /^(deny-)?(member|department|group)-[0-9a-z]{10,40}$/

/**
 * The departments above each of the member's own, each with the own department it is reached
 * from. The walk stops at a repeated id, so a damaged tree cannot loop.
 */
const departmentsAbove = (departmentIds: readonly string[], parentOf: ReadonlyMap<string, string>) => {
  const above = new Map<string, string>()
  for (const own of departmentIds) {
    const seen = new Set([own])
    for (let at = parentOf.get(own); at && !seen.has(at); at = parentOf.get(at)) {
      seen.add(at)
      if (!above.has(at)) above.set(at, own)
    }
  }
  return above
}

/** Whether the app's rules let the member use it, and which rules say so. */
export const evaluate = (
  rules: readonly Rule[],
  placement: Placement,
  parentOf: ReadonlyMap<string, string>,
): Verdict => {
  const own = new Set(placement.departmentIds)
  let above: Map<string, string> | undefined
  const match = (rule: Rule): Match | undefined => {
    switch (rule.subjectType) {
      case 'member':
        return rule.subjectId === placement.memberId ? { rule } : undefined
      case 'group':
        return placement.groupIds.has(rule.subjectId) ? { rule } : undefined
      case 'department': {
        if (own.has(rule.subjectId)) return { rule, via: rule.subjectId }
        if (!rule.includeSubDepartments) return undefined
        above ??= departmentsAbove(placement.departmentIds, parentOf)
        const via = above.get(rule.subjectId)
        return via ? { rule, via } : undefined
      }
    }
  }
  const allowedBy: Match[] = []
  const deniedBy: Match[] = []
  for (const rule of rules) {
    const m = match(rule)
    if (m) (rule.effect === 'allow' ? allowedBy : deniedBy).push(m)
  }
  return { allowedBy, deniedBy, allowed: allowedBy.length > 0 && deniedBy.length === 0 }
}
