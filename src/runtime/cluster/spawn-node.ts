import {spawn} from 'node:child_process'
import {closeSync, mkdirSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import {NODE_CONFIG_FILE, NODE_LOG_FILE, NodeConfig} from './node-config.js'
import {nodeUrl} from './node-url.js'
import type {PeerMember} from './peers/peer-kind.js'
import {peerKind} from './peers/peers.js'
import type {NodeRecord} from './cluster-state.js'

/**
 * The compiled entry point of a node kind: dist/src/nodes/<kind>/main.js.
 * Nodes always run from dist/, also when the supervisor itself runs from
 * source (under vitest), so tests exercise the shipped code.
 */
export function nodeMainPath(kind: string): string {
  const here = fileURLToPath(import.meta.url)
  const root = resolve(dirname(here), here.includes(`${sep}dist${sep}src${sep}`) ? '../../../..' : '../../..')
  return join(root, 'dist', 'src', 'nodes', kind, 'main.js')
}

/** Writes the node's config into its data directory (kept for restarts). */
export function prepareNode(
  dataDir: string,
  plan: {name: string; kind: string; subsystem: string},
  host: string,
  port: number,
  options: Record<string, unknown>,
): NodeRecord {
  const dataPath = resolve(dataDir, plan.name)
  mkdirSync(dataPath, {recursive: true})
  const config: NodeConfig = {kind: plan.kind, id: plan.name, host, port, dataDir: dataPath, options}
  const configPath = join(dataPath, NODE_CONFIG_FILE)
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n')
  return {
    name: plan.name,
    kind: plan.kind,
    subsystem: plan.subsystem,
    pid: 0,
    host,
    port,
    url: nodeUrl(host, port),
    dataPath,
    configPath,
    logPath: join(dataPath, NODE_LOG_FILE),
  }
}

/**
 * A member of a peer cluster (etcd, ZooKeeper, Redis): its node.json records
 * every member's ports, its own configuration file is what it runs from (so
 * a restart reuses its ports and data), and its URL is its client address.
 */
export function preparePeer(dataDir: string, plan: {name: string; kind: string; subsystem: string}, cluster: readonly PeerMember[]): NodeRecord {
  const peer = peerKind(plan.kind)
  const member = cluster.find((m) => m.name === plan.name)
  if (!peer || !member) throw new Error(`${plan.name} is not a member of a ${plan.kind} peer cluster`)
  const node = prepareNode(dataDir, plan, member.host, member.ports[0], {ports: Object.fromEntries(cluster.map((m) => [m.name, m.ports]))})
  return {...node, url: peer.url(member.host, member.ports[0]), configPath: peer.configure(member, cluster)}
}

/** Starts the node as its own detached process; its stdout and stderr go to its log. */
export function launchNode(node: NodeRecord): number {
  const {file, args} = peerKind(node.kind)?.command(node.configPath) ?? {file: process.execPath, args: [nodeMainPath(node.kind), node.configPath]}
  const log = openSync(node.logPath, 'a')
  try {
    const child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: node.dataPath,
    })
    child.unref()
    // A failed spawn (no such binary) leaves no pid, thrown below; the 'error' event it also emits must not crash the supervisor with nodes running.
    child.once('error', () => {})
    if (child.pid === undefined) throw new Error(`could not start node ${node.name} (${file})`)
    return child.pid
  } finally {
    closeSync(log)
  }
}

/**
 * The last error a node logged (its log is JSON Lines from src/nodes; a
 * line that is not JSON, e.g. a crash before the logger, counts as is), in
 * one line; undefined when it logged none or the log cannot be read. With
 * `failureLine`, the last line that matches it, if any, comes first.
 */
export function lastLoggedError(logPath: string, failureLine?: RegExp): string | undefined {
  let text: string
  try {
    text = readFileSync(logPath, 'utf8')
  } catch {
    return undefined
  }
  const lines = text.split('\n').reverse()
  const failure = failureLine && lines.find((line) => failureLine.test(line))
  if (failure) return failure.trim()
  for (const line of lines) {
    if (line.trim() === '') continue
    let entry: {level?: string; message?: string; msg?: string; error?: string}
    try {
      entry = JSON.parse(line)
    } catch {
      return line.trim()
    }
    // etcd logs JSON Lines too (zap), and dies with level fatal.
    if (entry.level === 'error' || entry.level === 'fatal') return String(entry.error ?? entry.message ?? entry.msg).split('\n')[0]
  }
  return undefined
}
