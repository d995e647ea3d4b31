import type {ChurnResult} from '../ring/index.js'

export type MigrationPhase = 'draining' | 'scanning' | 'copying' | 'finishing' | 'done'

/** One membership change as the router lived it, next to the offline prediction for the same key set. */
export interface MigrationReport {
  id: number
  change: {type: 'add' | 'remove'; name: string}
  before: string[]
  after: string[]
  phase: MigrationPhase
  startedAt: string
  /** Keys found on the old shards (plus keys a client moved before the scan saw them): the prediction's key set. */
  keys: number
  /** Keys found on a shard that does not own them under the new placement: counted live. */
  moved: number
  /** Of `moved`, the keys the migrator copied (put-if-absent) to their new owner. */
  copied: number
  /** Of `moved`, the keys a client wrote or deleted at the new owner first (the copy was skipped). */
  movedByClients: number
  /** UTF-8 bytes of the keys and values the migrator copied. */
  bytesCopied: number
  migrationMs: number | null
  /** `ring churn` for the same key set, before and after node lists, computed with the same core. */
  prediction: Pick<ChurnResult, 'moved' | 'movedFraction' | 'idealFraction' | 'movedOverIdeal' | 'movedBetweenSurvivors' | 'notes'> | null
  /** Live `moved` equals the predicted count. */
  agrees: boolean | null
  /** The last error a step hit (it is retried until it succeeds). */
  lastError: string | null
}
