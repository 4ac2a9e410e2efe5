import type { Principal } from '../core/auth/principal.js'
import { AppError } from '../core/errors.js'
import { childIds, deleteDepartment, departmentMemberIds, moveDepartment, subtreeIds } from './departments.js'
import { getMember, setMemberDepartments } from './members.js'

const invalidMoveTo = (message: string) =>
  new AppError('VALIDATION_FAILED', message, [{ path: 'query.moveTo', message }])

/**
 * Deletes a department. With `moveTo`, its sub-departments and members move there first (each
 * move is a step of its own; the delete itself still needs the department to be empty, so an
 * interruption leaves everything consistent and the call can simply be repeated).
 */
export const removeDepartment = async (
  tenantId: string,
  actor: Principal,
  deptId: string,
  moveTo?: string,
) => {
  if (moveTo) {
    const inside = await subtreeIds(tenantId, deptId)
    if (inside.includes(moveTo))
      throw invalidMoveTo('cannot move into the department itself or one of its sub-departments')
    await subtreeIds(tenantId, moveTo).catch(() => {
      throw invalidMoveTo('unknown department')
    })
    for (const child of await childIds(tenantId, deptId)) {
      await moveDepartment(tenantId, actor, child, { parentId: moveTo })
    }
    for (const memberId of await departmentMemberIds(tenantId, [deptId])) {
      const member = await getMember(tenantId, memberId)
      const next = [...new Set(member.departmentIds.map((d) => (d === deptId ? moveTo : d)))]
      await setMemberDepartments(tenantId, actor, memberId, next)
    }
  }
  await deleteDepartment(tenantId, actor, deptId)
}
