import { Entity, item, number, string } from 'dynamodb-toolbox'
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
 * An approval request. Its approvers are resolved at submission and kept on it, per step; every
 * decision, withdrawal and step change is conditioned on `version`, so concurrent decisions apply
 * one at a time. GSI1 `T#<id>#APMINE#<applicant>` / `<createdAt>#<requestId>`: the applicant's
 * requests; GSI2 `T#<id>#APREQS` / the same: all of the tenant's, for its administrators.
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
    version: number(),
    createdAt: string(),
    updatedAt: string(),
    GSI1PK: string(),
    GSI1SK: string(),
    GSI2PK: string(),
    GSI2SK: string(),
  }),
  computeKey: ({ tenantId, requestId }: { tenantId: string; requestId: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `APREQ#${requestId}`,
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
