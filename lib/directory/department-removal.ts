import { AppError } from '../core/errors.js'
import type { TenantContext } from '../core/tenancy.js'
import {
  childIds,
  deleteDepartment,
  departmentMemberIds,
  getDepartment,
  moveDepartment,
  subtreeIds,
} from './departments.js'
import { getMember, setMemberDepartments } from './members.js'

const invalidMoveTo = (message: string) =>
  new AppError('VALIDATION_FAILED', message, [{ path: 'query.moveTo', message }])

/**
 * Deletes a department. With `moveTo`, its sub-departments and members move there first (each
 * move is a step of its own; the delete itself still needs the department to be empty, so an
 * interruption leaves everything consistent and the call can simply be repeated).
 */
export const removeDepartment = async (ctx: TenantContext, deptId: string, moveTo?: string) => {
  if (moveTo) {
    const inside = await subtreeIds(ctx, deptId)
    if (inside.includes(moveTo))
      throw invalidMoveTo('cannot move into the department itself or one of its sub-departments')
    await getDepartment(ctx, moveTo).catch(() => {
      throw invalidMoveTo('unknown department')
    })
    for (const child of await childIds(ctx, deptId)) {
      await moveDepartment(ctx, child, { parentId: moveTo })
    }
    for (const memberId of await departmentMemberIds(ctx, [deptId])) {
      const member = await getMember(ctx, memberId)
      const next = [...new Set(member.departmentIds.map((d) => (d === deptId ? moveTo : d)))]
      await setMemberDepartments(ctx, memberId, next)
    }
  }
  await deleteDepartment(ctx, deptId)
}
