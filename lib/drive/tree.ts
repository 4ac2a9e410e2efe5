import { PutTransaction } from 'dynamodb-toolbox'
import { AppError } from '../core/errors.js'
import type { Folders, Tree } from './access.js'
import { TreeEntity } from './entities.js'

/** Folders per space, and the tree item's size: far under DynamoDB's 400 KB item. */
export const MAX_FOLDERS = 2000
const MAX_TREE_BYTES = 300_000

/** The tree's next state, written only if nobody changed it since it was read (its version). */
export const treeWrite = (tenantId: string, tree: Tree, folders: Folders) => {
  const json = JSON.stringify(folders)
  if (Object.keys(folders).length > MAX_FOLDERS || Buffer.byteLength(json) > MAX_TREE_BYTES) {
    throw new AppError('PLAN_LIMIT_EXCEEDED', `a space holds at most ${MAX_FOLDERS} folders`, {
      maxFolders: MAX_FOLDERS,
    })
  }
  return TreeEntity.build(PutTransaction)
    .item({ tenantId, space: tree.space, folders: json, version: tree.version + 1 })
    .options({
      condition:
        tree.version === 0 ? { attr: 'version', exists: false } : { attr: 'version', eq: tree.version },
    })
}

/** A folder and every folder below it (from the parent links, no reads). */
export const subtree = (folders: Folders, rootId: string): string[] => {
  const children = new Map<string, string[]>()
  for (const [id, f] of Object.entries(folders)) children.set(f.p, [...(children.get(f.p) ?? []), id])
  const out: string[] = []
  const walk = (id: string) => {
    if (out.includes(id)) return
    out.push(id)
    for (const c of children.get(id) ?? []) walk(c)
  }
  walk(rootId)
  return out
}
