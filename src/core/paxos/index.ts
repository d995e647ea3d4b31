/** The pure Multi-Paxos core: see paxos.ts for how an application drives it. */
export {PaxosNode, type Ready, type Status, type ProposeResult, type ReadIndexResult} from './paxos.js'
export type {PaxosOptions} from './config.js'
export type * from './messages.js'
export {compareBallots, emptyHardState, emptySnapshot, sameBallot, zeroBallot} from './types.js'
export type {AcceptedValue, Ballot, ChosenValue, HardState, NodeId, PersistedState, ReadState, Role, Snapshot, SoftState} from './types.js'
