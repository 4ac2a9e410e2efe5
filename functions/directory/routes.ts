import { contactRoutes } from './resources/contacts.js'
import { departmentRoutes } from './resources/departments.js'
import { groupRoutes } from './resources/groups.js'
import { invitationRoutes } from './resources/invitations.js'
import { meRoutes } from './resources/me.js'
import { memberRoutes } from './resources/members.js'
import { roleRoutes } from './resources/roles.js'

/** The directory function's routes, one module per resource. */
export const routes = [
  ...memberRoutes,
  ...departmentRoutes,
  ...groupRoutes,
  ...roleRoutes,
  ...invitationRoutes,
  ...meRoutes,
  ...contactRoutes,
]
