import { Entity, item, list, number, string } from 'dynamodb-toolbox'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { APPROVAL_STATES } from './schemas.js'

/** A tenant's own approval template (the built-in ones live in code: every tenant reads the same). */
export const TemplateEntity = new Entity({
  name: 'ApprovalTemplate',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    templateId: string().key(),
    name: string(),
    description: string().optional(),
    /** the fields and steps, JSON, checked by their schemas again when read */
    fields: string(),
    steps: string(),
    createdAt: string(),
    createdBy: string(),
  }),
  computeKey: ({ tenantId, templateId }: { tenantId: string; templateId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `APTPL#${templateId}`,
  }),
})

/**
 * An approval request (a draft until submitted). Its approvers are resolved at submission and kept
 * on it, per step; every decision, withdrawal, step change and comment is conditioned on `version`,
 * so concurrent changes apply one at a time. GSI1 `T#<id>#APMINE#<applicant>` /
 * `<createdAt>#<requestId>`: the applicant's requests and drafts; GSI2 `T#<id>#APREQS` / the same:
 * all of the tenant's submitted requests, for its administrators.
 */
export const RequestEntity = new Entity({
  name: 'ApprovalRequest',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    requestId: string().key(),
    templateId: string(),
    templateName: string(),
    applicantId: string(),
    form: string(),
    status: string().enum(...APPROVAL_STATES),
    currentStep: number(),
    steps: string(),
    /** the drive files of its form and its comments: what its participants may download through it */
    attachments: list(string()).optional(),
    commentCount: number().optional(),
    version: number(),
    createdAt: string(),
    updatedAt: string(),
    GSI1PK: string(),
    GSI1SK: string(),
    GSI2PK: string().optional(),
    GSI2SK: string().optional(),
  }),
  computeKey: ({ tenantId, requestId }: { tenantId: string; requestId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: requestPrefix(requestId),
  }),
})

/** A request's key, and the prefix of the request with its comments (one query reads them all). */
export const requestPrefix = (requestId: string) => `APREQ#${requestId}`

/** A comment on a request by its applicant or an approver, beside the request. */
export const CommentEntity = new Entity({
  name: 'ApprovalComment',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    requestId: string().key(),
    commentId: string().key(),
    authorId: string(),
    text: string(),
    attachments: list(string()).optional(),
    createdAt: string(),
  }),
  computeKey: ({
    tenantId,
    requestId,
    commentId,
  }: {
    tenantId: string
    requestId: string
    commentId: string
  }) => ({
    PK: tenantPartition(tenantId),
    SK: `${requestPrefix(requestId)}#C#${commentId}`,
  }),
})

/** One approver's place on a pending step: "awaiting my decision" is one range read of these. */
export const WaitingEntity = new Entity({
  name: 'ApprovalWaiting',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    approverId: string().key(),
    requestId: string().key(),
    templateName: string(),
    applicantId: string(),
    createdAt: string(),
  }),
  computeKey: ({
    tenantId,
    approverId,
    requestId,
  }: {
    tenantId: string
    approverId: string
    requestId: string
  }) => ({
    PK: tenantPartition(tenantId),
    SK: `APWAIT#${approverId}#${requestId}`,
  }),
})

export const minePartition = (tenantId: string, applicantId: string) =>
  tenantIndexPartition(tenantId, 'APMINE', applicantId)
export const allPartition = (tenantId: string) => tenantIndexPartition(tenantId, 'APREQS')
