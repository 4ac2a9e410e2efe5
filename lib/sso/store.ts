import {
  DeleteItemCommand,
  DeleteTransaction,
  Entity,
  executeTransactWrite,
  GetItemCommand,
  item,
  number,
  PutItemCommand,
  PutTransaction,
  QueryCommand,
  string,
  UpdateItemCommand,
  UpdateTransaction,
} from 'dynamodb-toolbox'
import { config } from '../core/config.js'
import { tenantIndexPartition, tenantPartition } from '../core/db/keys.js'
import { table } from '../core/db/table.js'
import { ssoRequest } from './request-context.js'

/**
 * What the OpenID provider keeps (sessions, interactions, codes, tokens, grants), one item each in
 * the tenant's partition: the tenant's release purges them with everything else, and nothing of one
 * tenant's issuer can be found from another's (each issuer's store is bound to its tenant).
 */
export const SsoRecordEntity = new Entity({
  name: 'SsoRecord',
  table,
  timestamps: false,
  schema: item({
    tenantId: string().key(),
    model: string().key(),
    id: string().key(),
    /** the provider's own payload, as it gave it */
    payload: string(),
    /** set once a code or refresh token is used: the provider refuses it and revokes on replay */
    consumedAt: number().optional(),
    expiresAtEpoch: number().optional(),
    /** grant (to revoke every token of a grant) or browser session (to find it by its uid) */
    GSI1PK: string().optional(),
    GSI1SK: string().optional(),
  }),
  computeKey: ({ tenantId, model, id }: { tenantId: string; model: string; id: string }) => ({
    PK: tenantPartition(tenantId),
    SK: `SSO#${model}#${id}`,
  }),
})

export type SsoRecord = { payload: string; consumedAt?: number; expiresAtEpoch?: number }
type Payload = Record<string, unknown> & { grantId?: string; uid?: string }

/** How the provider finds a client: our apps answer, the store keeps none. */
export type ClientLookup = (clientId: string) => Promise<Record<string, unknown> | undefined>

export const recordKey = (model: string, id: string) => `SSO#${model}#${id}`

/**
 * What an id of the provider's (codes, tokens, sessions, uids: url-safe random), a client id or a
 * ticket can look like. Anything else a caller sends is unknown without a read: a forged or huge
 * value never reaches DynamoDB (whose keys are bounded) and never costs a request.
 */
export const plausibleId = (id: unknown): id is string =>
  typeof id === 'string' && /^[A-Za-z0-9_-]{1,200}$/.test(id)
export const recordRequest = (tenantId: string, model: string, id: string) =>
  SsoRecordEntity.build(GetItemCommand).key({ tenantId, model, id })

const grantPartition = (tenantId: string, grantId: string) =>
  tenantIndexPartition(tenantId, 'SSOGRANT', grantId)
const uidPartition = (tenantId: string, uid: string) => tenantIndexPartition(tenantId, 'SSOUID', uid)

const nowSeconds = () => Math.floor(Date.now() / 1000)

/**
 * A refresh token used moments ago still answers (`graceSeconds`): an app whose first refresh timed
 * out on its side retries and gets new tokens instead of losing the grant. Past that, a used token
 * is reported used and the provider revokes the whole grant (a stolen token's replay).
 */
export const payloadOf = (record: SsoRecord | undefined, graceSeconds: number) => {
  // TTL deletes late: an item past its time is gone to the provider
  if (!record || (record.expiresAtEpoch !== undefined && record.expiresAtEpoch <= Date.now() / 1000)) {
    return undefined
  }
  const payload = JSON.parse(record.payload) as Payload
  const fresh = record.consumedAt !== undefined && Date.now() / 1000 - record.consumedAt < graceSeconds
  return record.consumedAt === undefined || fresh ? payload : { ...payload, consumed: record.consumedAt }
}

interface RecordItem extends SsoRecord {
  tenantId: string
  model: string
  id: string
  GSI1PK?: string
  GSI1SK?: string
}

type Write =
  | { kind: 'put'; item: RecordItem }
  | { kind: 'consume'; key: { tenantId: string; model: string; id: string }; at: number }
  | { kind: 'delete'; key: { tenantId: string; model: string; id: string } }

// the first use counts: a retry in the grace window must not extend it, and of two concurrent
// exchanges of one code only one commits
const unconsumed = () => ({
  and: [
    { attr: 'id' as const, exists: true },
    { attr: 'consumedAt' as const, exists: false },
  ],
})

const transactionOf = (w: Write) =>
  w.kind === 'put'
    ? SsoRecordEntity.build(PutTransaction).item(w.item)
    : w.kind === 'consume'
      ? SsoRecordEntity.build(UpdateTransaction)
          .item({ ...w.key, consumedAt: w.at })
          .options({ condition: unconsumed() })
      : SsoRecordEntity.build(DeleteTransaction).key(w.key)

const sendAlone = async (w: Write) => {
  if (w.kind === 'put') await SsoRecordEntity.build(PutItemCommand).item(w.item).send()
  else if (w.kind === 'delete') await SsoRecordEntity.build(DeleteItemCommand).key(w.key).send()
  else
    await SsoRecordEntity.build(UpdateItemCommand)
      .item({ ...w.key, consumedAt: w.at })
      .options({ condition: unconsumed() })
      .send()
      .catch((err: Error) => {
        if (err.name !== 'ConditionalCheckFailedException') throw err
      })
}

/**
 * While the provider answers a request, its writes wait (reads see them) and are then committed in
 * one transaction (see issuer.ts): a code's use, the tokens it gives and the session's change
 * land together or not at all. Outside an answer (the sign-in page), each is written at once.
 */
const write = async (w: Write) => {
  const pending = ssoRequest().writes as Map<string, Write> | undefined
  if (!pending) return sendAlone(w)
  const key = recordKey(
    w.kind === 'put' ? w.item.model : w.key.model,
    w.kind === 'put' ? w.item.id : w.key.id,
  )
  const before = pending.get(key)
  // one action per item in a transaction: a use of what this request wrote is folded into it
  if (w.kind === 'consume' && before?.kind === 'put')
    pending.set(key, { ...before, item: { ...before.item, consumedAt: w.at } })
  else pending.set(key, w)
}

/** Commits the writes a request held; a use that lost a race fails the whole transaction. */
export const commitWrites = async (writes: Map<string, unknown>) => {
  const all = [...(writes as Map<string, Write>).values()]
  for (let i = 0; i < all.length; i += 100)
    await executeTransactWrite(...all.slice(i, i + 100).map(transactionOf))
}

const pendingPayload = (key: string, graceSeconds: number): Payload | undefined | null => {
  const w = (ssoRequest().writes as Map<string, Write> | undefined)?.get(key)
  if (!w) return null
  if (w.kind === 'delete') return undefined
  if (w.kind === 'put') return payloadOf(w.item as SsoRecord, graceSeconds)
  return undefined
}

/** The provider's storage interface for one tenant's issuer (see oidc-provider's Adapter). */
export const ssoStore = (tenantId: string, findClient: ClientLookup) =>
  class SsoStore {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn?: number) {
      const index = payload.grantId
        ? { GSI1PK: grantPartition(tenantId, payload.grantId), GSI1SK: `${this.model}#${id}` }
        : this.model === 'Session' && payload.uid
          ? { GSI1PK: uidPartition(tenantId, payload.uid), GSI1SK: id }
          : {}
      await write({
        kind: 'put',
        item: {
          tenantId,
          model: this.model,
          id,
          payload: JSON.stringify(payload),
          ...(expiresIn ? { expiresAtEpoch: nowSeconds() + expiresIn } : {}),
          ...index,
        },
      })
    }

    async find(id: string) {
      if (!plausibleId(id)) return undefined
      if (this.model === 'Client') {
        const ahead = ssoRequest().clients
        return ahead?.has(id) ? ahead.get(id) : findClient(id)
      }
      const grace = this.model === 'RefreshToken' ? config().SSO_REFRESH_GRACE_SECONDS : 0
      const key = recordKey(this.model, id)
      const pending = pendingPayload(key, grace)
      if (pending !== null) return pending
      const ahead = ssoRequest().records
      const record = ahead?.has(key)
        ? ((ahead.get(key) ?? undefined) as SsoRecord | undefined)
        : (await recordRequest(tenantId, this.model, id).options({ consistent: true }).send()).Item
      // a refresh token used in the grace window is answered again without being used again
      if (record?.consumedAt !== undefined) ssoRequest().spent?.add(key)
      return payloadOf(record, grace)
    }

    async findByUid(uid: string) {
      if (!plausibleId(uid)) return undefined
      const { Items = [] } = await table
        .build(QueryCommand)
        .entities(SsoRecordEntity)
        .query({ index: 'GSI1', partition: uidPartition(tenantId, uid) })
        .options({ limit: 1 })
        .send()
      return Items[0] ? this.find(Items[0].id) : undefined
    }

    /** No device flow here: nothing has a user code. */
    async findByUserCode() {
      return undefined
    }

    async consume(id: string) {
      if (ssoRequest().spent?.has(recordKey(this.model, id))) return
      await write({ kind: 'consume', key: { tenantId, model: this.model, id }, at: nowSeconds() })
    }

    async destroy(id: string) {
      await write({ kind: 'delete', key: { tenantId, model: this.model, id } })
    }

    async revokeByGrantId(grantId: string) {
      let cursor: Record<string, unknown> | undefined
      do {
        const page = await table
          .build(QueryCommand)
          .entities(SsoRecordEntity)
          .query({ index: 'GSI1', partition: grantPartition(tenantId, grantId) })
          .options({ exclusiveStartKey: cursor as never })
          .send()
        await Promise.all(
          (page.Items ?? []).map((r) =>
            SsoRecordEntity.build(DeleteItemCommand).key({ tenantId, model: r.model, id: r.id }).send(),
          ),
        )
        cursor = page.LastEvaluatedKey
      } while (cursor)
    }
  }
