import {JsonClient, JsonResponse} from '../net/json-client.js'
import {PARTITION_PATH} from '../net/partition.js'
import {ClusterState, findNode, NodeRecord, requireClusterState} from './cluster-state.js'
import {isNodeAlive} from './processes.js'

/** Subsystems whose nodes talk to each other; the lock server and the ring have no peer traffic to cut. */
export const PARTITIONABLE = ['raft', 'paxos', 'txn', 'lock-replica']

/**
 * Who is cut off from whom when `group` is isolated from `from` (by default
 * from the rest of its subsystem). Every node of the subsystem gets an entry,
 * so one call replaces any earlier partition there. Pure, so the CLI's checks
 * are tested without processes.
 */
export function planPartition(state: ClusterState, group: string[], from?: string[]): Record<string, string[]> {
  const nodes = group.map((name) => findNode(state, name))
  const subsystem = nodes[0]?.subsystem
  if (subsystem === undefined) throw new Error('name at least one node to partition')
  if (!PARTITIONABLE.includes(subsystem)) {
    throw new Error(`the ${subsystem} subsystem has no peer traffic to partition; partitions apply to: ${PARTITIONABLE.join(', ')}`)
  }
  const members = state.nodes.filter((n) => n.subsystem === subsystem).map((n) => n.name)
  for (const name of [...group, ...(from ?? [])]) {
    if (!members.includes(name)) throw new Error(`${name} is not a ${subsystem} node; ${subsystem} nodes: ${members.join(', ')}`)
  }
  const other = from ?? members.filter((n) => !group.includes(n))
  const overlap = other.filter((n) => group.includes(n))
  if (overlap.length > 0) throw new Error(`${overlap.join(', ')} cannot be on both sides of the partition`)
  if (other.length === 0) throw new Error(`nothing left to cut ${group.join(', ')} off from`)
  return Object.fromEntries(members.map((n) => [n, group.includes(n) ? other : other.includes(n) ? group : []]))
}

/** Applies a partition plan: each node is told the peers it is cut off from. */
export async function partitionCluster(dataDir: string, group: string[], from?: string[]): Promise<Record<string, string[]>> {
  const state = requireClusterState(dataDir)
  const plan = planPartition(state, group, from)
  await Promise.all(Object.entries(plan).map(([name, cutOff]) => tell(findNode(state, name), cutOff)))
  return plan
}

/** Heals every partitionable node that is running (a stopped one comes back healed anyway). */
export async function healCluster(dataDir: string): Promise<string[]> {
  const nodes = requireClusterState(dataDir).nodes.filter((n) => PARTITIONABLE.includes(n.subsystem) && isNodeAlive(n.pid, n.configPath))
  await Promise.all(nodes.map((n) => tell(n, [])))
  return nodes.map((n) => n.name)
}

async function tell(node: NodeRecord, cutOffFrom: string[]): Promise<void> {
  const client = new JsonClient(node.url, {connections: 1, headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000})
  let res: JsonResponse<{error?: string}>
  try {
    res = await client.request('PUT', PARTITION_PATH, {cutOffFrom})
  } catch (err) {
    throw new Error(`cannot reach ${node.name} at ${node.url} to set its partition: ${(err as Error).message}`)
  } finally {
    await client.close()
  }
  if (res.status !== 200) throw new Error(`${node.name} refused the partition: ${res.status} ${res.body?.error ?? ''}`)
}
