/*
 * The drive's sizes, counts and id shapes, apart from its API schemas (./schemas.ts) so the code
 * that only needs these (the lifecycle's drive jobs among it) does not build those.
 */

/** 8 MiB parts (S3 wants at least 5 MiB but for the last); larger files grow the part so at most 1,000. */
export const PART_BYTES = 8 * 1024 * 1024
export const MAX_PARTS = 1000
/** 5 GiB a file: a long video fits; more needs another home. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024 * 1024
/** Tenants and editions without a drive quota of their own get this: 5 GiB. */
export const DEFAULT_DRIVE_BYTES = 5 * 1024 * 1024 * 1024
/** Each node shares with at most this many members, departments or groups. */
export const MAX_SHARES = 20

/** Whether an id has the shape of a node id: `e` + an id, or `p` + the owner's member id + an id. */
export const isNodeId = (id: string) => /^(e[0-9a-z]{26}|p[0-9a-z]{52})$/.test(id)
