import {existsSync, readdirSync, rmSync} from 'node:fs'
import {join, resolve, sep} from 'node:path'

import {NODE_CONFIG_FILE} from './node-config.js'

import {CLUSTER_FILE, ClusterState, findNode, NodeRecord, readClusterState, requireClusterState, writeClusterState} from './cluster-state.js'
import {Health, NodeStartError, probeHealth, waitHealthy} from './health.js'
import {nodeUrl} from './node-url.js'
import type {PeerMember} from './peers/peer-kind.js'
import {peerKind, requireInstalled} from './peers/peers.js'
import {freePorts} from './ports.js'
import {isNodeAlive, processesStartedWith, signalNode, SignalName, stopProcess} from './processes.js'
import {lastLoggedError, launchNode, prepareNode, preparePeer} from './spawn-node.js'
import type {NodePlan} from './subsystems.js'

export interface UpOptions {
  dataDir: string
  host: string
  basePort?: number
  plans: NodePlan[]
  healthTimeoutMs: number
}

export class ClusterAlreadyUpError extends Error {}

/**
 * Starts every planned node, waits until all are healthy and records them in
 * cluster.json. If one does not come up, every node started is stopped again
 * and what this call created (the data directory if it was new, else each
 * new node directory, and cluster.json) is removed: no half cluster is left
 * behind, and the error quotes the failed node's last logged error, since
 * its log goes too.
 */
export async function clusterUp(opts: UpOptions): Promise<{state: ClusterState; health: Record<string, Health>}> {
  const existing = readClusterState(opts.dataDir)
  const alive = existing?.nodes.filter((n) => isNodeAlive(n.pid, n.configPath)) ?? []
  if (alive.length > 0) {
    throw new ClusterAlreadyUpError(
      `a cluster is already up in ${opts.dataDir} (${alive.length} of ${existing!.nodes.length} nodes alive: ${alive.map((n) => n.name).join(', ')}); stop it first with: dsys cluster down`,
    )
  }
  requireInstalled(opts.plans.map((plan) => plan.kind))
  const ports = await allocatePorts(opts)
  // Options can name peers only once every URL is known.
  const urls = Object.fromEntries(opts.plans.map((plan, i) => [plan.name, peerKind(plan.kind)?.url(opts.host, ports[i][0]) ?? nodeUrl(opts.host, ports[i][0])]))
  const members: PeerMember[] = opts.plans.map((plan, i) => ({name: plan.name, host: opts.host, ports: ports[i], dataPath: resolve(opts.dataDir, plan.name)}))
  const created = existsSync(opts.dataDir) ? opts.plans.map((plan) => resolve(opts.dataDir, plan.name)).filter((path) => !existsSync(path)) : [opts.dataDir]
  const ready: NodeRecord[] = []
  try {
    for (const [i, plan] of opts.plans.entries()) {
      const cluster = members.filter((_, j) => opts.plans[j].subsystem === plan.subsystem)
      ready.push(peerKind(plan.kind) ? preparePeer(opts.dataDir, plan, cluster) : prepareNode(opts.dataDir, plan, opts.host, ports[i][0], plan.options(urls)))
    }
    const state: ClusterState = {version: 1, dataDir: opts.dataDir, startedAt: new Date().toISOString(), nodes: ready}
    for (const node of ready) node.pid = launchNode(node)
    writeClusterState(state)
    const health = await Promise.all(ready.map((n) => waitHealthy(n, opts.healthTimeoutMs)))
    return {state, health: Object.fromEntries(ready.map((n, i) => [n.name, health[i]]))}
  } catch (err) {
    await Promise.all(ready.filter((n) => n.pid > 0).map((n) => stopProcess(n.pid, n.configPath, 1000)))
    const logged = err instanceof NodeStartError ? lastLoggedError(err.node.logPath, peerKind(err.node.kind)?.failureLine) : undefined
    for (const path of created) rmSync(path, {recursive: true, force: true})
    rmSync(join(opts.dataDir, CLUSTER_FILE), {force: true})
    if (!(err instanceof NodeStartError)) throw err
    const removed = created.includes(opts.dataDir) || created.includes(err.node.dataPath)
    const where = removed ? `: ${logged ?? 'it logged no error'}` : `; see its log: ${err.node.logPath}`
    throw new Error(`node ${err.node.name} (${err.node.kind}) ${err.what}${where}. The cluster is not up: every node started was stopped and what this command created was removed`)
  }
}

/**
 * Each plan's ports (a peer needs more than one; its client port first):
 * free ones, or consecutive ones from `basePort` in the order of the plans.
 */
async function allocatePorts(opts: UpOptions): Promise<number[][]> {
  const counts = opts.plans.map((plan) => peerKind(plan.kind)?.portCount ?? 1)
  const total = counts.reduce((sum, n) => sum + n, 0)
  const flat = opts.basePort === undefined ? await freePorts(opts.host, total) : Array.from({length: total}, (_, i) => opts.basePort! + i)
  let next = 0
  return counts.map((n) => flat.slice(next, (next += n)))
}

/**
 * Node directories (with a node.json) in `dataDir`, which has no
 * cluster.json (the caller read it), such as a cluster up that died part
 * way left: their processes, if any still run, are stopped and the
 * directories removed.
 */
export async function purgeLeftovers(dataDir: string, graceMs: number): Promise<Array<{name: string; result: string}>> {
  let names: string[]
  try {
    names = readdirSync(dataDir, {withFileTypes: true})
      .filter((e) => e.isDirectory() && existsSync(join(dataDir, e.name, NODE_CONFIG_FILE)))
      .map((e) => e.name)
  } catch {
    return [] // no data directory: nothing left
  }
  const dataPaths = names.map((name) => resolve(dataDir, name))
  const stopped = await stopProcessesIn(dataPaths, graceMs)
  return names.map((name, i) => {
    rmSync(dataPaths[i], {recursive: true, force: true})
    return {name, result: `${stopped[i].length > 0 ? `${stopped[i].join(', ')} (no cluster.json listed it)` : 'not running'}; data removed`}
  })
}

/**
 * Stops whatever still runs from each node directory, from one scan of the
 * processes: every node's command line names a file in its own directory
 * (node.json, or a peer's config) and in no other's. Per directory, how each
 * process ended.
 */
async function stopProcessesIn(dataPaths: readonly string[], graceMs: number): Promise<string[][]> {
  const inside = dataPaths.map((path) => path + sep)
  const running = processesStartedWith(inside)
  return Promise.all(inside.map((path) => Promise.all(running.get(path)!.map((pid) => stopProcess(pid, path, graceMs)))))
}

export interface NodeStatus {
  name: string
  kind: string
  subsystem: string
  pid: number
  alive: boolean
  url: string
  dataPath: string
  health: Health | null
}

export async function clusterStatus(dataDir: string): Promise<NodeStatus[]> {
  const state = requireClusterState(dataDir)
  return Promise.all(
    state.nodes.map(async (n) => {
      const alive = isNodeAlive(n.pid, n.configPath)
      return {name: n.name, kind: n.kind, subsystem: n.subsystem, pid: n.pid, alive, url: n.url, dataPath: n.dataPath, health: alive ? ((await probeHealth(n)) ?? null) : null}
    }),
  )
}

/** Stops every node of the cluster in `dataDir` (`state`: its cluster.json, when the caller has read it already). */
export async function clusterDown(dataDir: string, graceMs: number, purge: boolean, state = requireClusterState(dataDir)): Promise<Array<{name: string; result: string}>> {
  const listed = await Promise.all(state.nodes.map((n) => stopProcess(n.pid, n.configPath, graceMs)))
  // A node process cluster.json does not list (a restart stopped between starting it and writing its pid) is stopped too.
  const unlisted = await stopProcessesIn(state.nodes.map((n) => n.dataPath), graceMs)
  const results = state.nodes.map((n, i) => ({name: n.name, result: unlisted[i].length > 0 ? `${listed[i]}; also ${unlisted[i].join(', ')} (no cluster.json listed it)` : listed[i]}))
  if (purge) {
    for (const n of state.nodes) rmSync(n.dataPath, {recursive: true, force: true})
  }
  rmSync(join(dataDir, CLUSTER_FILE), {force: true})
  return results
}

export function killNode(dataDir: string, name: string, signal: SignalName): NodeRecord {
  const node = findNode(requireClusterState(dataDir), name)
  if (!isNodeAlive(node.pid, node.configPath)) throw new Error(`node ${name} (pid ${node.pid}) is not running; start it with: dsys cluster restart ${name}`)
  signalNode(node.pid, signal)
  return node
}

/** Stops the node if it runs and starts it again on the same port and data directory. */
export async function restartNode(dataDir: string, name: string, graceMs: number, healthTimeoutMs: number): Promise<{node: NodeRecord; health: Health}> {
  const node = findNode(requireClusterState(dataDir), name)
  await stopProcess(node.pid, node.configPath, graceMs)
  node.pid = launchNode(node)
  // cluster.json as it is now, not as it was read: other nodes may have been restarted meanwhile (members of a quorum are restarted together).
  const state = requireClusterState(dataDir)
  findNode(state, name).pid = node.pid
  writeClusterState(state)
  return {node, health: await waitHealthy(node, healthTimeoutMs)}
}

/** Starts one more node in a running cluster (e.g. a new ring shard). */
export async function addNode(dataDir: string, plan: NodePlan, healthTimeoutMs: number): Promise<{node: NodeRecord; health: Health}> {
  const state = requireClusterState(dataDir)
  if (state.nodes.some((n) => n.name === plan.name)) throw new Error(`a node named ${plan.name} already exists`)
  const host = state.nodes[0]?.host ?? '127.0.0.1'
  const [port] = await freePorts(host, 1)
  const urls = Object.fromEntries(state.nodes.map((n) => [n.name, n.url]))
  const node = prepareNode(dataDir, plan, host, port, plan.options(urls))
  node.pid = launchNode(node)
  state.nodes.push(node)
  writeClusterState(state)
  return {node, health: await waitHealthy(node, healthTimeoutMs)}
}

/** Stops a node for good and forgets it (its data directory is removed when `purge`). */
export async function removeNode(dataDir: string, name: string, graceMs: number, purge: boolean): Promise<NodeRecord> {
  const state = requireClusterState(dataDir)
  const node = findNode(state, name)
  await stopProcess(node.pid, node.configPath, graceMs)
  if (purge) rmSync(node.dataPath, {recursive: true, force: true})
  state.nodes = state.nodes.filter((n) => n.name !== name)
  writeClusterState(state)
  return node
}
