import {invariant, unreachable} from '../common/invariant.js'
import {resolveConfig, type PaxosConfig, type PaxosOptions} from './config.js'
import type {Accept, Accepted, CatchUp, InstallSnapshot, Message, Nack, Prepare, Promise} from './messages.js'
import {
  compareBallots,
  emptyHardState,
  emptySnapshot,
  sameBallot,
  zeroBallot,
  type AcceptedValue,
  type Ballot,
  type ChosenValue,
  type HardState,
  type NodeId,
  type PersistedState,
  type ReadState,
  type Role,
  type Snapshot,
  type SoftState,
} from './types.js'

/**
 * What the application must do next, in this order (the Raft core's Ready, see
 * src/core/raft/raw-node.ts):
 *   1. persist: `snapshot` (if any; then delete every stored value at or
 *      below its slot), then `accepted` (each replaces the stored value of
 *      its slot), then `hardState`; fsync if `mustSync`. Storage must keep write order (a WAL
 *      does): a surviving hardState implies the accepted values before it survived;
 *   2. send `messages`, only after step 1: a promise or accepted reply
 *      vouches for the promised ballot and the accepted values it reports
 *      (Paxos Made Simple §2.2: an acceptor must remember what it promised
 *      and accepted across a crash). The one exception: a leader's accepts
 *      in a ballot whose promise is already durable may leave during step 1,
 *      since it counts its own acceptance only in advance() (as a Raft
 *      leader does, thesis §10.2.1; PaxosConsensus.sendsBeforePersist);
 *   3. restore the state machine from `snapshot` (if any), then apply
 *      `committed` in slot order (skip data '': a leader's no-op), and
 *      answer each of `readStates` once applied >= its index;
 *   4. call `advance(ready)`.
 *
 * Where it differs from the Raft core's Ready: there is no log suffix to
 * truncate; `accepted` are per-slot overwrites, at any slot. There is no
 * term or vote: the durable state is the promised ballot. Committed values
 * come from the chosen prefix, which an acceptor may learn out of order
 * (by catch-up) even where it accepted a different value in a lower ballot.
 */
export interface Ready {
  /** Set when role or leader changed since the last Ready. */
  readonly softState?: SoftState
  /** Set when the promised ballot or the chosen point changed since the last Ready. */
  readonly hardState?: HardState
  /**
   * A snapshot received from a peer: every slot up to snapshot.slot is chosen
   * and snapshot.data is the state machine after them. Not set for the
   * application's own compact().
   */
  readonly snapshot?: Snapshot
  readonly accepted: readonly AcceptedValue[]
  readonly committed: readonly ChosenValue[]
  /** Reads confirmed by a quorum round (see readIndex), in the order they were asked. */
  readonly readStates: readonly ReadState[]
  readonly messages: readonly Message[]
  /** A new promise, accepted values or a snapshot: persisting this Ready must be fsynced before sending. */
  readonly mustSync: boolean
}

export type ProposeResult =
  | {readonly ok: true; readonly slot: number}
  | {readonly ok: false; readonly reason: 'notLeader' | 'tooManyUnchosen'; readonly leader: NodeId | null}

export type ReadIndexResult = {readonly ok: true} | {readonly ok: false; readonly reason: 'notLeader'; readonly leader: NodeId | null}

/** A read waiting for a quorum to answer read round `seq` or a later one. */
interface PendingRead {
  readonly requestId: string
  readonly index: number
  readonly seq: number
}

export interface Status {
  readonly id: NodeId
  readonly role: Role
  readonly leader: NodeId | null
  readonly promised: Ballot
  readonly chosen: number
  readonly applied: number
  /** The next slot this node would propose into, if it leads. */
  readonly nextSlot: number
}

/**
 * One Multi-Paxos replica: proposer, acceptor and learner in one (Lamport,
 * Paxos Made Simple §3). Pure: ticks, messages, proposals and an Rng in;
 * `ready()` out. Between a `ready()` and its `advance()` the other inputs may
 * still be called, but `ready()` may not be called again. The node wiring
 * (ReadyLoop, acceptor store, KV machine) is src/nodes/paxos/paxos-consensus.ts.
 */
export class PaxosNode {
  private readonly config: PaxosConfig
  private readonly peers: readonly NodeId[]

  // Durable (through Ready): promised >= the ballot of every value in `log`.
  private promised: Ballot
  /** Slots up to snapshot.slot are chosen and compacted: they are in no map below. */
  private snapshot: Snapshot
  /** Received from a peer, not yet handed to the application in a Ready. */
  private pendingSnapshot: Snapshot | null = null
  /** Invariant: snapshot.slot <= chosen and every slot in (snapshot.slot, chosen] has its chosen value in `log`; applied <= chosen. */
  private chosen: number
  private applied: number
  private readonly log = new Map<number, AcceptedValue>()
  private readonly unpersisted = new Map<number, AcceptedValue>()
  private messages: Message[] = []

  private role: Role = 'follower'
  private leader: NodeId | null = null
  /** Invariant: maxRoundSeen >= promised.round (the constructor and campaign() set both; step() raises it before onPrepare or onAccept adopts m.ballot). */
  private maxRoundSeen: number

  private electionElapsedTicks = 0
  private randomizedElectionTimeoutTicks = 0
  /** Campaigns since this node last heard a leader: each doubles the timeout (up to 8x), so rivals stop colliding. */
  private failedCampaigns = 0
  private heartbeatElapsedTicks = 0

  // Candidate: the promises for `promised`, each with the values its acceptor reported at or after fromSlot.
  private readonly promises = new Map<NodeId, readonly AcceptedValue[]>()
  private fromSlot = 1

  // Leader: acceptors that accepted each unchosen slot in `promised` (itself once persisted).
  private nextSlot = 1
  private readonly acks = new Map<number, Set<NodeId>>()
  private readonly activeSinceCheck = new Set<NodeId>()
  private readonly caughtUpThisHeartbeat = new Set<NodeId>()

  // Leader: linearizable reads (see readIndex).
  /**
   * The last read round started, numbered per life of this object rather
   * than per ballot: answers from another ballot are ignored anyway, and a
   * round number never repeats.
   */
  private readSeq = 0
  /** The accepts carrying readSeq have not left in a Ready yet, so an answer to them comes after any read asked now. */
  private readRoundUnsent = false
  /** Per peer, the highest readSeq it answered in the current ballot. */
  private readonly readAcks = new Map<NodeId, number>()
  /** Oldest first, so seq is nondecreasing. Dropped when this node stops leading. */
  private pendingReads: PendingRead[] = []
  private readStates: ReadState[] = []

  private prevHardState: HardState
  private prevSoftState: SoftState
  private awaitingAdvance = false

  /**
   * A fresh node, or a restarted one from what it persisted: it restarts as
   * a follower, the application restores its state machine from the
   * snapshot (if any) and it re-applies from the slot after it.
   */
  constructor(options: PaxosOptions, persisted: PersistedState = {hardState: emptyHardState, accepted: []}) {
    this.config = resolveConfig(options)
    this.peers = this.config.peers.filter((p) => p !== this.config.id)
    this.promised = persisted.hardState.promised
    this.snapshot = persisted.snapshot ?? emptySnapshot
    this.applied = this.snapshot.slot
    // A snapshot persisted after the hardState that last recorded the chosen point.
    this.chosen = Math.max(persisted.hardState.chosen, this.snapshot.slot)
    for (const value of persisted.accepted) if (value.slot > this.snapshot.slot) this.log.set(value.slot, value)
    for (let slot = this.snapshot.slot + 1; slot <= this.chosen; slot++) invariant(this.log.has(slot), `persisted chosen point ${this.chosen} but slot ${slot} is missing`)
    this.maxRoundSeen = this.promised.round
    this.resetElectionTimer()
    this.prevHardState = this.hardState()
    this.prevSoftState = this.softState()
  }

  get id(): NodeId {
    return this.config.id
  }

  /**
   * How many tick() calls from now until one may act (campaign; a leader's
   * step-down check or heartbeat); at least 1. The ticks before it only
   * count, so a caller may sleep through them and make them up before its
   * next input (the Raft core's ticksUntilDue).
   */
  ticksUntilDue(): number {
    if (this.role !== 'leader') return Math.max(1, this.randomizedElectionTimeoutTicks - this.electionElapsedTicks)
    return Math.max(1, Math.min(this.config.heartbeatTicks - this.heartbeatElapsedTicks, this.config.electionTicks - this.electionElapsedTicks))
  }

  tick(): void {
    if (this.role === 'leader') this.tickLeader()
    else {
      this.electionElapsedTicks++
      if (this.electionElapsedTicks >= this.randomizedElectionTimeoutTicks) this.campaign()
    }
  }

  /** Starts phase 1 with a ballot above every ballot seen, for every slot after the chosen prefix. */
  campaign(): void {
    this.promised = {round: this.maxRoundSeen + 1, node: this.id}
    this.maxRoundSeen = this.promised.round
    this.role = 'candidate'
    this.leader = null
    this.fromSlot = this.chosen + 1
    this.promises.clear()
    this.pendingReads = []
    this.failedCampaigns++
    this.resetElectionTimer()
    // Our own promise counts once persisted: see advance().
    for (const to of this.peers) this.send({type: 'prepare', from: this.id, to, ballot: this.promised, fromSlot: this.fromSlot})
  }

  /** Proposes `data` into the next slot if this node leads; it is chosen once it appears in `committed`. */
  propose(data: string): ProposeResult {
    if (this.role !== 'leader') return {ok: false, reason: 'notLeader', leader: this.leader}
    if (this.nextSlot - this.chosen - 1 >= this.config.maxUnchosen) return {ok: false, reason: 'tooManyUnchosen', leader: this.id}
    const slot = this.nextSlot++
    this.proposeAt(slot, data)
    // Pipelined: phase 2 for this slot starts without waiting for the slots before it.
    for (const to of this.peers) this.sendAccept(to, [{slot, data}])
    return {ok: true, slot}
  }

  /**
   * Asks for a linearizable read point (Raft thesis §6.4's ReadIndex, for
   * Paxos): nextSlot - 1, every slot this leader proposed, the values its
   * phase 1 re-proposed included. It comes out in a Ready's readStates once
   * a phase-2 quorum (this node included) answered, in this ballot, an accept
   * that left after the call; a round of them leaves at once, so a read costs
   * one round trip. If this node stops leading first the read is dropped, and
   * the application fails it on the role change; beyond maxPendingReads
   * awaiting their round it is dropped at once, and the application times it out.
   *
   * Why that quorum proves the point covers every value chosen before the
   * call: an acceptor answers accepted only while it has promised no higher
   * ballot, and any later leader's phase-1 quorum meets this phase-2 quorum
   * (q1 + q2 > n). So no later ballot completed phase 1 before the call, or
   * its promiser in our quorum would have refused us; nothing was chosen in
   * one. A value chosen in an earlier ballot was reported to our phase 1
   * (its phase-2 quorum meets ours too) and re-proposed below nextSlot, and
   * our own ballot's values are below nextSlot.
   */
  readIndex(requestId: string): ReadIndexResult {
    if (this.role !== 'leader') return {ok: false, reason: 'notLeader', leader: this.leader}
    if (this.pendingReads.length >= this.config.maxPendingReads) return {ok: true}
    if (!this.readRoundUnsent) {
      this.readSeq++
      this.readRoundUnsent = true
      // A bare heartbeat suffices: only the answer matters, not what it accepts.
      for (const to of this.peers) this.sendAccept(to, [])
    }
    this.pendingReads.push({requestId, index: this.nextSlot - 1, seq: this.readSeq})
    this.releaseReads()
    return {ok: true}
  }

  step(m: Message): void {
    if (m.ballot.round > this.maxRoundSeen) this.maxRoundSeen = m.ballot.round
    switch (m.type) {
      case 'prepare':
        return this.onPrepare(m)
      case 'promise':
        return this.onPromise(m)
      case 'accept':
        return this.onAccept(m)
      case 'accepted':
        return this.onAccepted(m)
      case 'nack':
        return this.onNack(m)
      case 'catchUp':
        return this.onCatchUp(m)
      case 'snapshot':
        return this.onSnapshot(m)
      default:
        return unreachable(m)
    }
  }

  hasReady(): boolean {
    return (
      !sameSoftState(this.softState(), this.prevSoftState) ||
      !sameHardState(this.hardState(), this.prevHardState) ||
      this.pendingSnapshot !== null ||
      this.unpersisted.size > 0 ||
      this.applied < this.chosen ||
      this.messages.length > 0 ||
      this.readStates.length > 0
    )
  }

  ready(): Ready {
    invariant(!this.awaitingAdvance, 'paxos: ready() called again before advance()')
    this.awaitingAdvance = true
    const softState = this.softState()
    const hardState = this.hardState()
    const snapshot = this.pendingSnapshot ?? undefined
    this.pendingSnapshot = null
    const accepted = [...this.unpersisted.values()].sort((a, b) => a.slot - b.slot)
    const committed: ChosenValue[] = []
    // A received snapshot is above applied (it was above chosen): applying resumes after it.
    for (let slot = (snapshot?.slot ?? this.applied) + 1; slot <= this.chosen; slot++) committed.push({slot, data: this.valueAt(slot).data})
    const messages = this.messages
    this.messages = []
    this.readRoundUnsent = false
    const readStates = this.readStates
    this.readStates = []
    return {
      ...(sameSoftState(softState, this.prevSoftState) ? {} : {softState}),
      ...(sameHardState(hardState, this.prevHardState) ? {} : {hardState}),
      ...(snapshot === undefined ? {} : {snapshot}),
      accepted,
      committed,
      readStates,
      messages,
      mustSync: snapshot !== undefined || accepted.length > 0 || !sameBallot(hardState.promised, this.prevHardState.promised),
    }
  }

  /** The application has done everything `ready` asked (persisted, sent, applied). */
  advance(ready: Ready): void {
    invariant(this.awaitingAdvance, 'paxos: advance() without ready()')
    this.awaitingAdvance = false
    if (ready.softState !== undefined) this.prevSoftState = ready.softState
    if (ready.hardState !== undefined) this.prevHardState = ready.hardState
    for (const value of ready.accepted) {
      if (this.unpersisted.get(value.slot) === value) this.unpersisted.delete(value.slot)
      // The leader's own acceptance counts only now that it is durable.
      if (this.role === 'leader' && sameBallot(value.ballot, this.promised)) this.acks.get(value.slot)?.add(this.id)
    }
    if (ready.snapshot !== undefined) this.applied = ready.snapshot.slot
    const lastApplied = ready.committed.at(-1)
    if (lastApplied !== undefined) this.applied = lastApplied.slot
    if (this.role === 'candidate' && ready.hardState !== undefined && sameBallot(ready.hardState.promised, this.promised)) {
      this.promises.set(this.id, this.acceptedFrom(this.fromSlot))
      this.maybeWin()
    }
    if (this.role === 'leader') this.advanceLeaderChosen()
  }

  /**
   * The application serialized its state machine after applying slot `slot`
   * (<= the last applied slot): drop every value up to it. Returns the
   * Snapshot for the application to persist; once it has, it may delete its
   * stored values up to snapshot.slot (a crash before that is harmless: the
   * stored values still hold the prefix). Returns the current snapshot
   * unchanged when `slot` is not past it.
   */
  compact(slot: number, data: string): Snapshot {
    invariant(slot <= this.applied, `paxos: compact(${slot}) beyond applied slot ${this.applied}`)
    if (slot <= this.snapshot.slot) return this.snapshot
    // Every slot up to `slot` is chosen: a prepare that asks for one is answered with the snapshot (onPrepare).
    this.dropThrough(slot)
    this.snapshot = {slot, data}
    return this.snapshot
  }

  status(): Status {
    return {
      id: this.id,
      role: this.role,
      leader: this.leader,
      promised: this.promised,
      chosen: this.chosen,
      applied: this.applied,
      nextSlot: this.nextSlot,
    }
  }

  private onPrepare(m: Prepare): void {
    // Ballot-war pre-check: while a live leader is heard from, its followers
    // do not help a rival take over (the Raft core's check-quorum, §9.6).
    if (this.role === 'follower' && this.leader !== null && this.leader !== m.from && this.electionElapsedTicks < this.config.electionTicks) return
    const order = compareBallots(m.ballot, this.promised)
    if (order < 0) return this.nack(m)
    if (order > 0) {
      this.promised = m.ballot
      this.becomeFollower(null)
    }
    // Compacted slots cannot be reported: the candidate learns them as chosen instead, and campaigns again after them.
    if (m.fromSlot <= this.snapshot.slot) return this.send({type: 'snapshot', from: this.id, to: m.from, ballot: m.ballot, snapshot: this.snapshot})
    // P1b: report every accepted value the new leader must respect.
    this.send({type: 'promise', from: this.id, to: m.from, ballot: m.ballot, accepted: this.acceptedFrom(m.fromSlot)})
  }

  private onPromise(m: Promise): void {
    if (this.role !== 'candidate' || !sameBallot(m.ballot, this.promised)) return
    this.promises.set(m.from, m.accepted)
    this.maybeWin()
  }

  private onAccept(m: Accept): void {
    const order = compareBallots(m.ballot, this.promised)
    if (order < 0) return this.nack(m)
    if (order > 0) this.promised = m.ballot
    this.becomeFollower(m.from)
    this.failedCampaigns = 0
    this.resetElectionTimer()
    const slots: number[] = []
    for (const {slot, data} of m.values) {
      // A chosen slot keeps its value (the leader's value there is the same,
      // P2b); a retransmission in the same ballot is already stored.
      if (slot > this.chosen && !sameBallot(this.log.get(slot)?.ballot ?? zeroBallot, m.ballot)) this.write(slot, m.ballot, data)
      slots.push(slot)
    }
    this.learnChosen(m.ballot, m.chosen)
    // Echoing readSeq tells the leader that we answered, in its ballot, an accept sent after its reads of that round.
    this.send({type: 'accepted', from: this.id, to: m.from, ballot: m.ballot, slots, chosen: this.chosen, readSeq: m.readSeq})
  }

  private onAccepted(m: Accepted): void {
    if (this.role !== 'leader' || !sameBallot(m.ballot, this.promised)) return
    this.activeSinceCheck.add(m.from)
    for (const slot of m.slots) this.acks.get(slot)?.add(m.from)
    this.advanceLeaderChosen()
    if (m.readSeq > (this.readAcks.get(m.from) ?? 0)) {
      this.readAcks.set(m.from, m.readSeq)
      this.releaseReads()
    }
    if (m.chosen < this.chosen && !this.caughtUpThisHeartbeat.has(m.from)) {
      this.caughtUpThisHeartbeat.add(m.from)
      if (m.chosen < this.snapshot.slot) return this.send({type: 'snapshot', from: this.id, to: m.from, ballot: this.promised, snapshot: this.snapshot})
      const values: ChosenValue[] = []
      for (let slot = m.chosen + 1; slot <= this.chosen && values.length < this.config.maxValuesPerMsg; slot++) values.push({slot, data: this.valueAt(slot).data})
      this.send({type: 'catchUp', from: this.id, to: m.from, ballot: this.promised, values})
    }
  }

  private onNack(m: Nack): void {
    // The next campaign must go above the ballot that refused us.
    this.maxRoundSeen = Math.max(this.maxRoundSeen, m.promised.round)
    // A higher ballot holds a quorum member: this ballot can no longer win or choose.
    if (this.role !== 'follower' && sameBallot(m.ballot, this.promised)) this.becomeFollower(null)
  }

  private onCatchUp(m: CatchUp): void {
    // It answers our accepted reply; if we have promised another ballot since, the next leader catches us up.
    if (!sameBallot(m.ballot, this.promised)) return
    // Chosen values: storing one under any ballot cannot mislead a later phase 1, which must pick it anyway.
    for (const {slot, data} of m.values) {
      if (slot !== this.chosen + 1) continue
      this.write(slot, m.ballot, data)
      this.chosen = slot
    }
  }

  private onSnapshot(m: InstallSnapshot): void {
    // As for catch-up; a leader never needs one (its phase 1 covered every slot after its chosen point).
    if (!sameBallot(m.ballot, this.promised) || this.role === 'leader' || m.snapshot.slot <= this.chosen) return
    // A candidate whose fromSlot is compacted elsewhere campaigns again from after the snapshot.
    if (this.role === 'candidate') this.becomeFollower(null)
    // Values after the snapshot stay: they are still accepted values a later phase 1 must see.
    this.dropThrough(m.snapshot.slot)
    this.snapshot = m.snapshot
    this.pendingSnapshot = m.snapshot
    this.chosen = m.snapshot.slot
  }

  private tickLeader(): void {
    this.electionElapsedTicks++
    if (this.electionElapsedTicks >= this.config.electionTicks) {
      this.electionElapsedTicks = 0
      // Without a phase-2 quorum heard from in a timeout this leader cannot choose: step down so clients look elsewhere.
      const heard = this.activeSinceCheck.size + 1
      this.activeSinceCheck.clear()
      if (heard < this.config.q2) return this.becomeFollower(null)
    }
    this.heartbeatElapsedTicks++
    if (this.heartbeatElapsedTicks < this.config.heartbeatTicks) return
    this.heartbeatElapsedTicks = 0
    this.caughtUpThisHeartbeat.clear()
    for (const to of this.peers) this.sendAccepts(to, 1)
  }

  /**
   * Accepts (at most maxMessages) for the unchosen slots `to` has not
   * acknowledged; a bare heartbeat when there are none. Bounded per
   * heartbeat, so a dead peer costs one message a heartbeat.
   */
  private sendAccepts(to: NodeId, maxMessages: number): void {
    let values: ChosenValue[] = []
    let sent = 0
    for (let slot = this.chosen + 1; slot < this.nextSlot && sent < maxMessages; slot++) {
      if (this.acks.get(slot)?.has(to) === true) continue
      values.push({slot, data: this.valueAt(slot).data})
      if (values.length === this.config.maxValuesPerMsg) {
        this.sendAccept(to, values)
        values = []
        sent++
      }
    }
    if (sent < maxMessages && (values.length > 0 || sent === 0)) this.sendAccept(to, values)
  }

  /** Every accept carries the latest read round: one that leaves after a read was asked may confirm it. */
  private sendAccept(to: NodeId, values: readonly ChosenValue[]): void {
    this.send({type: 'accept', from: this.id, to, ballot: this.promised, values, chosen: this.chosen, readSeq: this.readSeq})
  }

  /** Moves to readStates every pending read whose round (or a later one) a phase-2 quorum answered. */
  private releaseReads(): void {
    // This node answers every round itself; the peers' answers sorted highest first, the (q2 - 1)th is the quorum's.
    const peerAcks = [...this.readAcks.values()].sort((a, b) => b - a)
    const confirmed = this.config.q2 === 1 ? this.readSeq : (peerAcks[this.config.q2 - 2] ?? 0)
    let released = 0
    while (released < this.pendingReads.length && this.pendingReads[released].seq <= confirmed) released++
    for (const {requestId, index} of this.pendingReads.splice(0, released)) this.readStates.push({requestId, index})
  }

  private maybeWin(): void {
    if (this.promises.size < this.config.q1) return
    this.role = 'leader'
    this.leader = this.id
    this.failedCampaigns = 0
    this.electionElapsedTicks = 0
    this.heartbeatElapsedTicks = 0
    this.activeSinceCheck.clear()
    this.acks.clear()
    this.readAcks.clear()
    // Per slot, the value accepted in the highest ballot any promiser reported
    // is the only one that may already be chosen (Paxos Made Simple §2.2, P2c).
    const best = new Map<number, AcceptedValue>()
    let lastSlot = this.fromSlot - 1
    for (const reported of this.promises.values()) {
      for (const value of reported) {
        if (value.slot < this.fromSlot) continue
        const current = best.get(value.slot)
        if (current === undefined || compareBallots(value.ballot, current.ballot) > 0) best.set(value.slot, value)
        lastSlot = Math.max(lastSlot, value.slot)
      }
    }
    this.promises.clear()
    // Re-propose them in this ballot; a gap gets a no-op so later slots can be applied.
    for (let slot = this.fromSlot; slot <= lastSlot; slot++) this.proposeAt(slot, best.get(slot)?.data ?? '')
    this.nextSlot = lastSlot + 1
    for (const to of this.peers) this.sendAccepts(to, Number.POSITIVE_INFINITY)
  }

  private proposeAt(slot: number, data: string): void {
    this.write(slot, this.promised, data)
    this.acks.set(slot, new Set())
  }

  private advanceLeaderChosen(): void {
    for (;;) {
      const acks = this.acks.get(this.chosen + 1)
      if (acks === undefined || acks.size < this.config.q2) return
      this.acks.delete(this.chosen + 1)
      this.chosen++
    }
  }

  /** The leader of `ballot` says every slot up to `upTo` is chosen: those we accepted in that ballot hold its (chosen) value. */
  private learnChosen(ballot: Ballot, upTo: number): void {
    while (this.chosen < upTo) {
      const value = this.log.get(this.chosen + 1)
      if (value === undefined || !sameBallot(value.ballot, ballot)) return
      this.chosen++
    }
  }

  private becomeFollower(leader: NodeId | null): void {
    if (this.role !== 'follower') {
      this.role = 'follower'
      this.promises.clear()
      this.acks.clear()
      this.pendingReads = []
      this.resetElectionTimer()
    }
    this.leader = leader
  }

  private resetElectionTimer(): void {
    this.electionElapsedTicks = 0
    const base = this.config.electionTicks * 2 ** Math.min(Math.max(this.failedCampaigns - 1, 0), 3)
    this.randomizedElectionTimeoutTicks = base + this.config.rng.int(base)
  }

  private nack(m: Prepare | Accept): void {
    this.send({type: 'nack', from: this.id, to: m.from, ballot: m.ballot, promised: this.promised})
  }

  private write(slot: number, ballot: Ballot, data: string): void {
    const value: AcceptedValue = {slot, ballot, data}
    this.log.set(slot, value)
    this.unpersisted.set(slot, value)
  }

  private dropThrough(slot: number): void {
    for (const s of [...this.log.keys()]) if (s <= slot) this.log.delete(s)
    for (const s of [...this.unpersisted.keys()]) if (s <= slot) this.unpersisted.delete(s)
  }

  private acceptedFrom(fromSlot: number): AcceptedValue[] {
    return [...this.log.values()].filter((v) => v.slot >= fromSlot).sort((a, b) => a.slot - b.slot)
  }

  private valueAt(slot: number): AcceptedValue {
    const value = this.log.get(slot)
    invariant(value !== undefined, `paxos: no value at slot ${slot}`)
    return value
  }

  private send(m: Message): void {
    this.messages.push(m)
  }

  private hardState(): HardState {
    return {promised: this.promised, chosen: this.chosen}
  }

  private softState(): SoftState {
    return {role: this.role, leader: this.leader}
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return sameBallot(a.promised, b.promised) && a.chosen === b.chosen
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader
}
