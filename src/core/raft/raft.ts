import {invariant, unreachable} from '../common/invariant.js'
import type {RaftConfig} from './config.js'
import {emptySnapshot, RaftLog} from './log.js'
import type {
  AppendEntries,
  AppendEntriesResponse,
  HeartbeatResponse,
  InstallSnapshot,
  Heartbeat,
  Message,
  VoteRequest,
} from './messages.js'
import {Progress} from './progress.js'
import {majority, quorumIndex, voteOutcome} from './quorum.js'
import {ReadOnlyQueue} from './read-only.js'
import type {Entry, NodeId, PersistedState, ReadState, Role, Snapshot} from './types.js'

/** Why a proposal was not appended. */
export type ProposeResult =
  | {readonly ok: true; readonly index: number; readonly term: number}
  | {readonly ok: false; readonly reason: 'notLeader'; readonly leader: NodeId | null}
  | {readonly ok: false; readonly reason: 'tooManyUncommitted'}

export type ReadIndexResult =
  | {readonly ok: true}
  | {readonly ok: false; readonly reason: 'noLeader'}

/** Distributes the message body over `Omit` of a union, keeping it a union. */
type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from' | 'term'> & {term?: number} : never) : never

/**
 * The Raft protocol for one node (Ongaro & Ousterhout 2014; Ongaro's thesis
 * 2014 for pre-vote, check-quorum and ReadIndex), shaped after etcd-io/raft
 * `raft.go`. It does no I/O: inputs are messages, ticks, proposals and read
 * requests; outputs accumulate in `messages` and `readStates`, and the log
 * says what to persist and apply. RawNode packages them as a Ready.
 */
export class Raft {
  readonly id: NodeId
  readonly peers: readonly NodeId[]
  readonly log: RaftLog
  term: number
  vote: NodeId | null
  lead: NodeId | null = null
  role: Role = 'follower'
  messages: Message[] = []
  readStates: ReadState[] = []

  private electionElapsedTicks = 0
  /** Leader only: ticks since it became leader, the clock its lease is measured on. */
  private leaderTicks = 0
  /**
   * With lease reads, a node that just started does not know whom it heard
   * from before, so it ignores vote requests for its first electionTicks
   * (another node may hold a lease that counts on this node's silence).
   */
  private startupVoteEmbargo: boolean
  private heartbeatElapsedTicks = 0
  private randomizedElectionTimeoutTicks = 0
  private readonly votes = new Map<NodeId, boolean>()
  /** Leader only: one per peer, including itself (its match is what it has persisted). */
  private readonly progress = new Map<NodeId, Progress>()
  private readonly readOnly = new ReadOnlyQueue()
  /** Leader only: reads that arrived before an entry of this term committed (thesis §6.4 step 1). */
  private pendingReadIndex: {requestId: string; from: NodeId}[] = []

  constructor(
    private readonly config: RaftConfig,
    persisted: PersistedState,
  ) {
    this.id = config.id
    this.peers = [...config.peers].sort()
    const snapshot = persisted.snapshot ?? emptySnapshot(this.peers)
    this.log = new RaftLog(snapshot, persisted.entries, persisted.hardState.commit, persisted.applied ?? snapshot.index)
    this.term = persisted.hardState.term
    this.vote = persisted.hardState.vote
    this.startupVoteEmbargo = config.readOnly === 'leaseBased'
    this.becomeFollower(this.term, null)
  }

  // ---- inputs ---------------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') this.tickLeader()
    else this.tickElection()
  }

  /** Starts an election now (pre-vote first when enabled), as if the election timeout had passed. */
  campaign(): void {
    if (this.role === 'leader') return
    this.startElection(this.config.preVote)
  }

  propose(data: string): ProposeResult {
    if (this.role !== 'leader') return {ok: false, reason: 'notLeader', leader: this.lead}
    if (this.log.lastIndex() - this.log.committed >= this.config.maxUncommittedEntries) {
      return {ok: false, reason: 'tooManyUncommitted'}
    }
    const entry = this.appendEntry(data)
    this.broadcastAppend()
    return {ok: true, index: entry.index, term: entry.term}
  }

  readIndex(requestId: string): ReadIndexResult {
    if (this.role === 'leader') {
      this.handleReadIndex(requestId, this.id)
      return {ok: true}
    }
    if (this.lead === null) return {ok: false, reason: 'noLeader'}
    this.send({type: 'readIndex', to: this.lead, requestId})
    return {ok: true}
  }

  step(m: Message): void {
    if (m.to !== this.id || !this.peers.includes(m.from) || m.from === this.id) return
    if (m.term > this.term) {
      if (m.type === 'voteRequest' && this.inLeaderLease()) {
        // Thesis §4.2.3/§9.6: a follower that recently heard from a live leader
        // ignores vote requests, so a rejoining node cannot depose it.
        return
      }
      if (m.type === 'voteRequest' && m.preVote) {
        // A pre-vote changes nobody's term.
      } else if (m.type === 'voteResponse' && m.preVote && m.granted) {
        // The pre-candidate raises its term only once it wins the pre-vote.
      } else {
        const isFromLeader = m.type === 'appendEntries' || m.type === 'heartbeat' || m.type === 'installSnapshot'
        this.becomeFollower(m.term, isFromLeader ? m.from : null)
      }
    } else if (m.term < this.term) {
      this.answerStaleTerm(m)
      return
    }
    if (m.type === 'voteRequest') {
      this.handleVoteRequest(m)
      return
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m)
        return
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m)
        return
      case 'follower':
        this.stepFollower(m)
        return
      default:
        unreachable(this.role)
    }
  }

  /** The application persisted the log up to (index, term). A leader counts its own copy only now (thesis §10.2.1). */
  persistedTo(index: number, term: number): void {
    this.log.stableTo(index, term)
    if (this.role !== 'leader') return
    const self = this.progress.get(this.id) as Progress
    if (self.maybeUpdate(this.log.stableIndex) && this.maybeCommit()) this.broadcastAppend()
  }

  compact(index: number, data: string): Snapshot {
    return this.log.compact(index, data, this.peers)
  }

  progressOf(id: NodeId): Progress | undefined {
    return this.progress.get(id)
  }

  // ---- roles ----------------------------------------------------------------

  private becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term)
    this.role = 'follower'
    this.lead = lead
  }

  private becomePreCandidate(): void {
    invariant(this.role !== 'leader', 'raft: leader cannot become pre-candidate')
    // Neither term nor vote changes: a pre-vote must not disrupt anyone (thesis §9.6).
    this.votes.clear()
    this.role = 'preCandidate'
    this.lead = null
  }

  private becomeCandidate(): void {
    invariant(this.role !== 'leader', 'raft: leader cannot become candidate')
    this.reset(this.term + 1)
    this.vote = this.id
    this.role = 'candidate'
  }

  private becomeLeader(): void {
    invariant(this.role === 'candidate', 'raft: only a candidate becomes leader')
    this.reset(this.term)
    this.role = 'leader'
    this.lead = this.id
    for (const peer of this.peers) {
      const progress = new Progress(this.log.lastIndex() + 1, this.config.maxInflightMsgs)
      if (peer === this.id) {
        progress.match = this.log.stableIndex
        progress.recentActive = true
        progress.becomeReplicate()
      }
      this.progress.set(peer, progress)
    }
    // §8: a no-op entry of the new term lets the leader commit (§5.4.2) and
    // learn the commit index before it serves reads.
    this.appendEntry('')
    this.broadcastAppend()
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term
      this.vote = null
    }
    this.lead = null
    this.electionElapsedTicks = 0
    this.heartbeatElapsedTicks = 0
    this.leaderTicks = 0
    this.randomizedElectionTimeoutTicks = this.config.electionTicks + this.config.rng.int(this.config.electionTicks)
    this.votes.clear()
    this.progress.clear()
    this.readOnly.reset()
    this.pendingReadIndex = []
  }

  // ---- time -----------------------------------------------------------------

  /**
   * How many tick() calls from now until one may act (send, campaign, step
   * down, retry a snapshot); at least 1. Ticks before that only count, so a
   * caller may sleep through them and make them up before its next input.
   */
  ticksUntilDue(): number {
    if (this.role !== 'leader') return Math.max(1, this.randomizedElectionTimeoutTicks - this.electionElapsedTicks)
    let due = Math.min(this.config.heartbeatTicks - this.heartbeatElapsedTicks, this.config.electionTicks - this.electionElapsedTicks)
    for (const progress of this.progress.values()) {
      if (progress.state === 'snapshot') due = Math.min(due, this.config.electionTicks - progress.snapshotElapsedTicks)
    }
    return Math.max(1, due)
  }

  private tickElection(): void {
    this.electionElapsedTicks++
    if (this.electionElapsedTicks >= this.config.electionTicks) this.startupVoteEmbargo = false
    if (this.electionElapsedTicks >= this.randomizedElectionTimeoutTicks) {
      this.electionElapsedTicks = 0
      this.campaign()
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsedTicks++
    this.electionElapsedTicks++
    this.leaderTicks++
    if (this.electionElapsedTicks >= this.config.electionTicks) {
      this.electionElapsedTicks = 0
      if (this.config.checkQuorum && !this.quorumRecentlyActive()) {
        // Thesis §6.2: a leader cut off from a majority steps down, so clients
        // go looking for the real leader (and lease reads stay safe).
        this.becomeFollower(this.term, null)
        return
      }
    }
    for (const progress of this.progress.values()) {
      if (progress.state !== 'snapshot') continue
      // A lost InstallSnapshot would otherwise pause this follower forever.
      if (++progress.snapshotElapsedTicks >= this.config.electionTicks) progress.becomeProbe()
    }
    if (this.heartbeatElapsedTicks >= this.config.heartbeatTicks) {
      this.heartbeatElapsedTicks = 0
      this.broadcastHeartbeat(this.readOnly.lastRequestId())
    }
  }

  /** Whether a majority was heard from since the last check; starts a new check window. */
  private quorumRecentlyActive(): boolean {
    let active = 0
    for (const [peer, progress] of this.progress) {
      if (progress.recentActive) active++
      if (peer !== this.id) progress.recentActive = false
    }
    return active >= majority(this.peers.length)
  }

  private inLeaderLease(): boolean {
    return (
      this.config.checkQuorum &&
      (this.lead !== null || this.startupVoteEmbargo) &&
      this.electionElapsedTicks < this.config.electionTicks
    )
  }

  /**
   * Thesis §6.4.1: a majority acknowledged a heartbeat sent less than
   * electionTicks - 2 ticks ago, and each of them refuses votes for
   * electionTicks after receiving it (see ReadOnlyOption for the clock assumption).
   */
  private holdsLease(): boolean {
    const ackedTicks = this.peers.map((p) =>
      p === this.id ? this.leaderTicks : (this.progress.get(p) as Progress).heartbeatAckedTick,
    )
    const leaseStart = quorumIndex(ackedTicks)
    return leaseStart >= 0 && this.leaderTicks - leaseStart < this.config.electionTicks - 2
  }

  // ---- elections (§5.2, thesis §9.6) ------------------------------------------

  private startElection(preVote: boolean): void {
    if (preVote) this.becomePreCandidate()
    else this.becomeCandidate()
    const term = preVote ? this.term + 1 : this.term
    if (this.recordVote(this.id, true, preVote)) return
    for (const peer of this.peers) {
      if (peer === this.id) continue
      this.send({
        type: 'voteRequest',
        to: peer,
        term,
        preVote,
        lastIndex: this.log.lastIndex(),
        lastTerm: this.log.lastTerm(),
      })
    }
  }

  /** Tallies a (pre-)vote; returns true when the election is decided. */
  private recordVote(from: NodeId, granted: boolean, preVote: boolean): boolean {
    if (!this.votes.has(from)) this.votes.set(from, granted)
    switch (voteOutcome(this.peers, this.votes)) {
      case 'won':
        if (preVote) this.startElection(false)
        else this.becomeLeader()
        return true
      case 'lost':
        this.becomeFollower(this.term, null)
        return true
      case 'pending':
        return false
    }
  }

  private handleVoteRequest(m: VoteRequest): void {
    // §5.2: at most one vote per term. A pre-vote for a later term commits to nothing.
    const canVote =
      this.vote === m.from || (this.vote === null && this.lead === null) || (m.preVote && m.term > this.term)
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      this.send({type: 'voteResponse', to: m.from, term: m.term, preVote: m.preVote, granted: true})
      if (!m.preVote) {
        this.electionElapsedTicks = 0
        this.vote = m.from
      }
    } else {
      this.send({type: 'voteResponse', to: m.from, term: this.term, preVote: m.preVote, granted: false})
    }
  }

  private answerStaleTerm(m: Message): void {
    if ((this.config.checkQuorum || this.config.preVote) && (m.type === 'appendEntries' || m.type === 'heartbeat')) {
      // A leader from an old term (say, back from a partition) may never hear a
      // vote request from us while check-quorum or pre-vote hold elections
      // back; tell it our term so it steps down.
      this.send({type: 'appendEntriesResponse', to: m.from, index: 0, reject: false, hintIndex: 0, hintTerm: 0})
    } else if (m.type === 'voteRequest' && m.preVote) {
      // Rejecting with our term lets a pre-candidate with a stale term catch up
      // instead of pre-campaigning forever at a term nobody will grant.
      this.send({type: 'voteResponse', to: m.from, term: this.term, preVote: true, granted: false})
    }
  }

  // ---- per-role message handling --------------------------------------------

  private stepLeader(m: Exclude<Message, VoteRequest>): void {
    switch (m.type) {
      case 'appendEntriesResponse':
        this.handleAppendResponse(m)
        return
      case 'heartbeatResponse':
        this.handleHeartbeatResponse(m)
        return
      case 'readIndex':
        this.handleReadIndex(m.requestId, m.from)
        return
      case 'appendEntries':
      case 'heartbeat':
      case 'installSnapshot':
        invariant(false, `raft: two leaders in term ${this.term}: ${this.id} and ${m.from}`)
        return
      case 'voteResponse':
      case 'readIndexResponse':
        return // stale: answers to something this node asked before it became leader
      default:
        unreachable(m)
    }
  }

  private stepCandidate(m: Exclude<Message, VoteRequest>): void {
    switch (m.type) {
      case 'appendEntries':
      case 'heartbeat':
      case 'installSnapshot':
        // §5.2: a leader of our term exists; recognise it.
        this.becomeFollower(m.term, m.from)
        this.stepFollower(m)
        return
      case 'voteResponse':
        if (m.preVote === (this.role === 'preCandidate')) this.recordVote(m.from, m.granted, m.preVote)
        return
      case 'appendEntriesResponse':
      case 'heartbeatResponse':
      case 'readIndex':
      case 'readIndexResponse':
        return
      default:
        unreachable(m)
    }
  }

  private stepFollower(m: Exclude<Message, VoteRequest>): void {
    switch (m.type) {
      case 'appendEntries':
        this.heardFromLeader(m.from)
        this.handleAppendEntries(m)
        return
      case 'heartbeat':
        this.heardFromLeader(m.from)
        this.handleHeartbeat(m)
        return
      case 'installSnapshot':
        this.heardFromLeader(m.from)
        this.handleInstallSnapshot(m)
        return
      case 'readIndexResponse':
        this.readStates.push({requestId: m.requestId, index: m.index})
        return
      case 'readIndex': // the sender thinks we lead; it will time out and retry
      case 'appendEntriesResponse':
      case 'heartbeatResponse':
      case 'voteResponse':
        return
      default:
        unreachable(m)
    }
  }

  private heardFromLeader(leader: NodeId): void {
    this.electionElapsedTicks = 0
    this.startupVoteEmbargo = false
    this.lead = leader
  }

  // ---- replication (§5.3) ---------------------------------------------------

  private handleAppendEntries(m: AppendEntries): void {
    if (m.prevIndex < this.log.committed) {
      // Everything up to commit already matches the leader (§5.4); say so.
      this.respondAppend(m.from, this.log.committed)
      return
    }
    const lastNew = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries)
    if (lastNew !== undefined) {
      this.respondAppend(m.from, lastNew)
      return
    }
    const hint = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm)
    this.send({
      type: 'appendEntriesResponse',
      to: m.from,
      index: m.prevIndex,
      reject: true,
      hintIndex: hint.index,
      hintTerm: hint.term,
    })
  }

  private handleHeartbeat(m: Heartbeat): void {
    this.log.commitTo(m.commit)
    this.send({type: 'heartbeatResponse', to: m.from, context: m.context, leaderTick: m.leaderTick})
  }

  private handleInstallSnapshot(m: InstallSnapshot): void {
    const s = m.snapshot
    if (s.index <= this.log.committed) {
      // Already have it all (a duplicate or a slow delivery).
    } else if (this.log.matchTerm(s.index, s.term)) {
      // Our log already contains the snapshot's last entry: just commit up to it.
      this.log.commitTo(s.index)
    } else {
      // §7: the snapshot holds what we lack or conflict on: discard the log.
      this.log.restore(s)
    }
    this.respondAppend(m.from, this.log.committed)
  }

  private respondAppend(to: NodeId, index: number): void {
    this.send({type: 'appendEntriesResponse', to, index, reject: false, hintIndex: 0, hintTerm: 0})
  }

  private handleAppendResponse(m: AppendEntriesResponse): void {
    const progress = this.progress.get(m.from) as Progress
    progress.recentActive = true
    if (m.reject) {
      const matchHint =
        m.hintTerm > 0 ? this.log.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex
      if (progress.maybeDecrTo(m.index, matchHint)) {
        if (progress.state === 'replicate') progress.becomeProbe()
        this.sendAppend(m.from, true)
      }
      return
    }
    if (!progress.maybeUpdate(m.index)) return
    switch (progress.state) {
      case 'probe':
        progress.becomeReplicate()
        break
      case 'snapshot':
        if (progress.match + 1 >= this.log.firstIndex()) {
          progress.becomeProbe()
          progress.becomeReplicate()
        }
        break
      case 'replicate':
        progress.inflights.freeLE(m.index)
        break
      default:
        unreachable(progress.state)
    }
    if (this.maybeCommit()) this.broadcastAppend()
    else while (this.sendAppend(m.from, false));
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const progress = this.progress.get(m.from) as Progress
    progress.recentActive = true
    progress.probeSent = false
    progress.heartbeatAckedTick = Math.max(progress.heartbeatAckedTick, m.leaderTick)
    // The follower is alive: let one message out even if earlier ones were lost.
    if (progress.state === 'replicate' && progress.inflights.full()) progress.inflights.freeFirstOne()
    if (progress.match < this.log.lastIndex()) this.sendAppend(m.from, true)
    if (m.context === null || this.config.readOnly !== 'safe') return
    const acks = this.readOnly.recvAck(m.context, m.from)
    if (acks === undefined || acks.size < majority(this.peers.length)) return
    for (const read of this.readOnly.release(m.context)) this.answerRead(read.requestId, read.index, read.from)
  }

  /** §5.4.2: commit by counting replicas only for an entry of the current term. */
  private maybeCommit(): boolean {
    const index = quorumIndex(this.peers.map((p) => (this.progress.get(p) as Progress).match))
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false
    this.log.commitTo(index)
    this.servePendingReadIndex()
    return true
  }

  private appendEntry(data: string): Entry {
    const entry: Entry = {index: this.log.lastIndex() + 1, term: this.term, data}
    this.log.append([entry])
    return entry
  }

  private broadcastAppend(): void {
    for (const peer of this.peers) if (peer !== this.id) this.sendAppend(peer, true)
  }

  private broadcastHeartbeat(context: string | null): void {
    for (const peer of this.peers) {
      if (peer === this.id) continue
      const progress = this.progress.get(peer) as Progress
      // Never tell a follower to commit past what it is known to hold.
      const commit = Math.min(progress.match, this.log.committed)
      this.send({type: 'heartbeat', to: peer, commit, context, leaderTick: this.leaderTicks})
    }
  }

  /** Sends the next AppendEntries (or the snapshot) to `to` unless paused; returns whether it sent one. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const progress = this.progress.get(to) as Progress
    if (progress.isPaused()) return false
    const prevIndex = progress.next - 1
    const prevTerm = this.log.term(prevIndex)
    const entries =
      prevTerm === undefined
        ? undefined
        : this.log.slice(progress.next, this.config.maxEntriesPerMsg, this.config.maxAppendBytes)
    if (prevTerm === undefined || entries === undefined) {
      const snapshot = this.log.currentSnapshot()
      this.send({type: 'installSnapshot', to, snapshot})
      progress.becomeSnapshot(snapshot.index)
      return true
    }
    if (entries.length === 0 && !sendIfEmpty) return false
    this.send({type: 'appendEntries', to, prevIndex, prevTerm, entries, commit: this.log.committed})
    progress.sentEntries(prevIndex + entries.length, entries.length)
    return true
  }

  // ---- linearizable reads (thesis §6.4) ---------------------------------------

  private handleReadIndex(requestId: string, from: NodeId): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // Step 1: until an entry of this term commits, the leader may not know
      // the latest commit index. Hold the read until the no-op commits.
      if (this.pendingReadIndex.length < this.config.maxPendingReads) this.pendingReadIndex.push({requestId, from})
      return
    }
    const index = this.log.committed
    if (this.peers.length === 1 || (this.config.readOnly === 'leaseBased' && this.holdsLease())) {
      this.answerRead(requestId, index, from)
      return
    }
    // Steps 2-3: record the read point, then prove we are still leader by a
    // heartbeat round acknowledged by a majority.
    if (this.readOnly.size >= this.config.maxPendingReads) return
    if (!this.readOnly.add(requestId, index, from)) return
    this.readOnly.recvAck(requestId, this.id)
    this.broadcastHeartbeat(requestId)
  }

  private servePendingReadIndex(): void {
    if (this.pendingReadIndex.length === 0 || this.log.term(this.log.committed) !== this.term) return
    const pending = this.pendingReadIndex
    this.pendingReadIndex = []
    for (const read of pending) this.handleReadIndex(read.requestId, read.from)
  }

  private answerRead(requestId: string, index: number, from: NodeId): void {
    if (from === this.id) this.readStates.push({requestId, index})
    else this.send({type: 'readIndexResponse', to: from, requestId, index})
  }

  // ---- output -----------------------------------------------------------------

  /**
   * Queues a message. It leaves only through Ready, and the application must
   * persist that Ready's hard state and entries before sending it (thesis
   * §3.8: a vote or an acknowledged append must survive a crash).
   */
  private send(m: Outgoing): void {
    this.messages.push({...m, from: this.id, term: m.term ?? this.term} as Message)
  }
}
