import * as z from 'zod'
import { PageQuery, page } from '../../../lib/core/db/pagination.js'
import { publicAccess, signedInAccess, tenantAccess } from '../../../lib/core/http/access.js'
import { representation, route } from '../../../lib/core/http/route.js'
import { NoContent } from '../../../lib/core/http/schemas.js'
import {
  createInvitation,
  decideJoinRequest,
  getInvitation,
  invitationQr,
  listInvitations,
  listJoinRequests,
  redeemAsMe,
  redeemAsNewPerson,
  revokeInvitation,
} from '../../../lib/directory/invitations.js'
import {
  CreateInvitationBody,
  InvitationSchema,
  InviteIdParams,
  JoinBody,
  JoinRequestSchema,
  RedeemBody,
  RedeemedSchema,
  RequestIdParams,
} from '../../../lib/directory/schemas.js'

const tag = 'Invitations'
const invitations = tenantAccess('invitations.write')
const REDEEM_ERRORS = [
  'NOT_FOUND',
  'INVITATION_EXPIRED',
  'INVITATION_USED_UP',
  'INVITATION_REVOKED',
  'SEAT_LIMIT_REACHED',
  'ALREADY_EXISTS',
] as const

const decideRoute = (approve: boolean) =>
  route({
    operationId: approve ? 'approveJoinRequest' : 'rejectJoinRequest',
    method: 'POST',
    path: `/v1/join-requests/{requestId}/${approve ? 'approve' : 'reject'}`,
    summary: approve
      ? 'Approve a request: the person becomes a member (a seat is taken)'
      : 'Reject a request',
    tag,
    access: invitations,
    params: RequestIdParams,
    response: z.object({ status: z.enum(['approved', 'rejected']) }),
    errors: [
      'NOT_FOUND',
      'SEAT_LIMIT_REACHED',
      'INVALID_STATE',
      'INVITATION_EXPIRED',
      'INVITATION_USED_UP',
      'INVITATION_REVOKED',
    ],
    handle: async (req) => decideJoinRequest(req.tenant, req.params.requestId, approve),
  })

export const invitationRoutes = [
  route({
    operationId: 'createInvitation',
    method: 'POST',
    path: '/v1/invitations',
    summary:
      'Create an invitation: a code and a URL (and a QR code), optionally expiring, limited, for a department, needing approval',
    tag,
    access: invitations,
    body: CreateInvitationBody,
    response: InvitationSchema,
    status: 201,
    idempotent: true,
    handle: async (req) => createInvitation(req.tenant, req.body),
  }),
  route({
    operationId: 'listInvitations',
    method: 'GET',
    path: '/v1/invitations',
    summary: 'The invitations of the workbench',
    tag,
    access: invitations,
    query: PageQuery,
    response: page(InvitationSchema),
    handle: async (req) => listInvitations(req.tenant, req.query.limit, req.query.cursor),
  }),
  route({
    operationId: 'getInvitation',
    method: 'GET',
    path: '/v1/invitations/{inviteId}',
    summary: 'One invitation',
    tag,
    access: invitations,
    params: InviteIdParams,
    response: InvitationSchema,
    errors: ['NOT_FOUND'],
    handle: async (req) => getInvitation(req.tenant, req.params.inviteId),
  }),
  route({
    operationId: 'revokeInvitation',
    method: 'DELETE',
    path: '/v1/invitations/{inviteId}',
    summary: 'Revoke an invitation (its code stops working)',
    tag,
    access: invitations,
    params: InviteIdParams,
    response: NoContent,
    status: 204,
    errors: ['NOT_FOUND'],
    handle: (req) => revokeInvitation(req.tenant, req.params.inviteId),
  }),
  route({
    operationId: 'invitationQr',
    method: 'GET',
    path: '/v1/invitations/{inviteId}/qr',
    summary: "The invitation's QR code (SVG image of its URL)",
    tag,
    access: invitations,
    params: InviteIdParams,
    response: z.string(),
    produces: 'image/svg+xml',
    errors: ['NOT_FOUND'],
    handle: async (req) => representation(await invitationQr(req.tenant, req.params.inviteId)),
  }),
  route({
    operationId: 'redeemInvitation',
    method: 'POST',
    path: '/v1/invitations/redeem',
    summary: 'Join a workbench with an invitation code as a new person (choosing a password), or ask to join',
    tag,
    access: publicAccess,
    body: RedeemBody,
    response: RedeemedSchema,
    status: 201,
    idempotent: true,
    errors: REDEEM_ERRORS,
    handle: async (req) => redeemAsNewPerson(req.body.code, req.body),
  }),
  route({
    operationId: 'joinWorkbench',
    method: 'POST',
    path: '/v1/me/join',
    summary: 'Join another enterprise with an invitation code, with my existing login',
    tag: 'Personal centre',
    access: signedInAccess({ allowReadOnly: true }),
    body: JoinBody,
    response: RedeemedSchema,
    status: 201,
    idempotent: true,
    errors: REDEEM_ERRORS,
    handle: async (req) => redeemAsMe(req.caller, req.body.code, req.body.name),
  }),
  route({
    operationId: 'listJoinRequests',
    method: 'GET',
    path: '/v1/join-requests',
    summary: 'Pending requests to join (invitations that need approval), oldest first',
    tag,
    access: invitations,
    query: PageQuery,
    response: page(JoinRequestSchema),
    handle: async (req) => listJoinRequests(req.tenant, req.query.limit, req.query.cursor),
  }),
  decideRoute(true),
  decideRoute(false),
]
