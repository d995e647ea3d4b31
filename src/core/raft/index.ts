/** The pure Raft core: see raw-node.ts for how an application drives it. */
export {RawNode, type Ready, type Status, type ProgressStatus} from './raw-node.js'
export type {ProposeResult, ReadIndexResult} from './raft.js'
export type {RaftOptions, ReadOnlyOption} from './config.js'
export type {ProgressState} from './progress.js'
export type * from './messages.js'
export {emptyHardState} from './types.js'
export type {Entry, HardState, NodeId, PersistedState, ReadState, Role, Snapshot, SoftState} from './types.js'
