import {accessSync, constants} from 'node:fs'
import {connect} from 'node:net'
import {delimiter, join} from 'node:path'

import type {NodeRecord} from '../cluster-state.js'
import type {Health} from '../health.js'

/** One member of a peer cluster as its configuration sees it. */
export interface PeerMember {
  name: string
  host: string
  /** Its ports, client port first (then the kind's cluster ports). */
  ports: number[]
  /** Its node directory: configuration, data and log. */
  dataPath: string
}

/**
 * A system dsys runs as is (etcd, ZooKeeper, Redis): how to check it is
 * installed, configure a member, start it and ask whether it serves. The
 * supervisor treats its processes as it treats its own nodes; the one thing
 * it relies on is that the member's config path is on its command line
 * (isNodeAlive tells the node from a reused pid by it).
 */
export interface PeerKind {
  /** The node kind, also the subsystem's and the `cluster up` flag's name. */
  kind: string
  /** What `cluster up --<kind> N` starts. */
  description: string
  /** The Debian package that installs it, named when it is missing. */
  debianPackage: string
  /** Ports a member listens on; the first is the one clients use. */
  portCount: number
  /** How long a member may take to serve at the least, whatever the caller's timeout (a JVM does not start in a second). */
  startMs: number
  /** The log line that says why a member stopped, where its last line does not (a JVM's last is "Exiting JVM with code 1"). */
  failureLine?: RegExp
  /** What this machine lacks to run it, or undefined when it can. */
  missing(): string | undefined
  /** The client address in the form a lock backend takes (`http://h:p`, `h:p`, `redis://h:p`). */
  url(host: string, clientPort: number): string
  /** Writes `member`'s configuration into its directory; returns the file's path. */
  configure(member: PeerMember, cluster: readonly PeerMember[]): string
  /** The command that runs a member from its configuration. */
  command(configPath: string): {file: string; args: string[]}
  /** What the member says about itself, or undefined when it does not serve clients within `timeoutMs`. */
  probe(node: NodeRecord, timeoutMs: number): Promise<Health | undefined>
}

/** The executable `name` on $PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      accessSync(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {
      // not in this directory
    }
  }
  return undefined
}

/** What a TCP exchange got: all the server wrote before it closed, or why there is nothing. */
export type TcpAnswer = {ok: true; text: string} | {ok: false; reason: string}

/**
 * Sends `request` over a fresh TCP connection and returns all the server
 * wrote until it closed the connection (a ZooKeeper four-letter word, Redis
 * commands ending in QUIT), or why it did not: it could not connect, failed,
 * or did not close within `timeoutMs`.
 */
export function tcpExchange(host: string, port: number, request: string, timeoutMs: number): Promise<TcpAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let failure: string | undefined
    const socket = connect({host, port})
    const timer = setTimeout(() => {
      failure = `nothing answered ${JSON.stringify(request.split('\r\n')[0])} and closed within ${timeoutMs}ms`
      socket.destroy()
    }, timeoutMs)
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (err) => {
      failure ??= err.message
      socket.destroy()
    })
    socket.on('close', () => {
      clearTimeout(timer)
      if (failure === undefined && !socket.readableEnded) failure = 'the connection ended before the answer did'
      resolve(failure === undefined ? {ok: true, text: Buffer.concat(chunks).toString('utf8')} : {ok: false, reason: failure})
    })
  })
}
