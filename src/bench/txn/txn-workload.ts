import {SeededRng} from '../../core/common/rng.js'
import {JsonClient} from '../../runtime/net/json-client.js'
import {keyOwner} from '../../core/txn/key-owner.js'
import type {TxnAnswer} from '../../core/txn/types.js'
import {preflightNode} from '../preflight.js'
import {OpError, type Operation, type Workload, type WorkloadRecipe} from '../workload.js'
import {compareSnapshots, snapshotTxnCluster, waitSettled, type TxnClusterSnapshot} from './txn-cluster-stats.js'
import {TxnKeyChooser, type KeyChoice} from './txn-keys.js'

const SETTLE_MS = 10_000

export interface TxnTargets {
  coordinator: string
  /** Participant name → URL, as in the coordinator's options. */
  participants: Record<string, string>
}

/**
 * One operation = one blind-write transaction over `keysPerTxn` keys on
 * `participantsPerTxn` participants. Its type is "commit" or "abort" (each
 * with its own latency histogram); aborts are also counted by reason. The
 * coordinator's per-phase timings go into the "prepare" and "decision log"
 * histograms; the nodes' /health counters before and after the run give
 * messages and fsyncs per transaction and, after a crash, the recovery report.
 */
export class TxnWorkload implements Workload {
  readonly name = 'txn'
  readonly metrics = ['commit', 'abort', 'prepare', 'decision log']
  private readonly client: JsonClient
  private readonly chooser: TxnKeyChooser

  private constructor(
    private readonly targets: TxnTargets,
    private readonly choice: KeyChoice,
    clients: number,
    private readonly seed: number,
    private readonly before: TxnClusterSnapshot,
  ) {
    const participants = Object.keys(targets.participants)
    this.chooser = new TxnKeyChooser(choice, keyOwner(participants), participants)
    this.client = new JsonClient(targets.coordinator, {connections: clients})
  }

  /** For the command: one GET /health of the coordinator checks it (preflightNode), names its participants and gives its counters before the run. */
  static async open(coordinatorUrl: string, choice: KeyChoice, clients: number, seed: number): Promise<TxnWorkload> {
    const coordinator = await preflightNode(coordinatorUrl, 'txn-coordinator', '2PC coordinator')
    const targets = {coordinator: coordinatorUrl, participants: coordinator.participants as Record<string, string>}
    const before = await snapshotTxnCluster(coordinatorUrl, Object.values(targets.participants), coordinator)
    return new TxnWorkload(targets, choice, clients, seed, before)
  }

  /** For a worker thread (a recipe): the targets are known. */
  static async create(targets: TxnTargets, choice: KeyChoice, clients: number, seed: number): Promise<TxnWorkload> {
    const before = await snapshotTxnCluster(targets.coordinator, Object.values(targets.participants))
    return new TxnWorkload(targets, choice, clients, seed, before)
  }

  get target(): string {
    return this.targets.coordinator
  }

  get recipe(): WorkloadRecipe {
    return {kind: 'txn', ...this.targets, choice: this.choice, seed: this.seed}
  }

  /** open() checked the coordinator. */
  async preflight(): Promise<void> {}

  async createClient(clientIndex: number): Promise<Operation> {
    const rng = new SeededRng(this.seed * 7919 + clientIndex)
    let n = 0
    return async (ctx) => {
      const value = `c${clientIndex}-${n++}`
      const writes = this.chooser.choose(rng).map((key) => ({key, value}))
      let res
      try {
        res = await this.client.request<TxnAnswer & {error?: string}>('POST', '/txn', {writes})
      } catch (err) {
        throw new OpError('unreachable', (err as Error).message)
      }
      if (res.status !== 200) throw new OpError(`http-${res.status}`, res.body?.error)
      const answer = res.body
      ctx.record('prepare', answer.phasesMs.prepare * 1000)
      if (answer.outcome === 'aborted') {
        ctx.count(`aborted: ${answer.reason}`)
        return 'abort'
      }
      ctx.record('decision log', answer.phasesMs.decisionLog * 1000)
      return 'commit'
    }
  }

  async summarize(): Promise<Record<string, unknown>> {
    // Clients hear the decision before phase 2 ends: let the last commits finish so "still in doubt" means stuck.
    const after = await waitSettled(this.targets.coordinator, Object.values(this.targets.participants), SETTLE_MS)
    if (after instanceof Error) throw after
    return {txn: compareSnapshots(this.before, after)}
  }

  close(): Promise<void> {
    return this.client.close()
  }
}
