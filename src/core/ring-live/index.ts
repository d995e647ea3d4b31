/** Pure pieces of the live ring: limits, the router's placement, membership changes, migration planning. */
export {RING_LIMITS} from './limits.js'
export {type LivePlacementConfig, liveConfig, livePlacement} from './live-placement.js'
export {type Membership, type MembershipRequest, planMembership} from './membership-plan.js'
export {type MigrationPlan, type MoveBatch, planMigration} from './migration-plan.js'
export {type KeyRoute, routeKey} from './key-route.js'
export {chunkByBytes, type CopyChunk, type KvEntry} from './copy-chunks.js'
export {nextShardName} from './shard-names.js'
