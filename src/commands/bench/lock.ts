import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {benchFlags, runBenchCommand} from '../../cli/bench.js'
import {durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {resolveLockTarget} from '../../cli/lock-targets.js'
import {LockWorkload} from '../../bench/lock/lock-workload.js'
import {SafetyReport} from '../../bench/lock/protected-resource.js'
import type {LoadReport} from '../../bench/report.js'

export default class BenchLock extends DsysCommand {
  static override summary = 'Lock contention: acquisitions/s, acquire and wait latency, fairness, and a mutual-exclusion check'
  static override description = `Each client acquires one of --locks locks, enters a shared protected resource with its fencing token, holds for --hold, leaves and releases. The resource counts safety violations (overlapping holds, non-increasing tokens): they must be 0. It also times the hand-off gap ("handoff"): how long it stood empty between one holder leaving and the next entering, the price of passing a lock on.
--target takes a URL or a name of what the local cluster runs (lock-server, the default; lock-replica; etcd; zookeeper; redis; redlock):
  http(s)://HOST:PORT  a dsys lock server or lock replica: a server-side FIFO queue; fencing token = the server's counter or the Raft log index of the grant.
  etcd://HOST:PORT[,...]  etcd's lock API, one lease per acquisition (TTL in whole seconds, rounded up; etcd raises it to its minimum, 2 s by default); token = the lock key's create revision.
  zk://HOST:PORT[,...]  ZooKeeper's sequential-ephemeral-node recipe, one session per client (--ttl is the session timeout asked for, bounded by the server); token = the node's sequence number.
  redis://HOST:PORT  SET NX PX retried every --retry-delay (no server-side queue), released by a compare-and-delete script; no fencing tokens.
  redlock://H1:P1,H2:P2,H3:P3  Redlock (the redlock package) over independent Redis servers, retried every --retry-delay; no fencing tokens.`
  static override examples = [
    '<%= config.bin %> bench lock --clients 32 --locks 1 --duration 5s',
    '<%= config.bin %> bench lock --clients 32 --locks 1000 --hold 1ms --json',
    '<%= config.bin %> bench lock --target redis://127.0.0.1:6379 --clients 32 --locks 1',
    '<%= config.bin %> bench lock --target etcd --clients 32 --locks 1000',
    "<%= config.bin %> bench lock --rate 2000 --threshold 'acquire.p99<5ms' --threshold 'errors==0'",
  ]

  static override flags = {
    ...benchFlags,
    locks: positiveIntFlag({description: 'distinct lock names (1 = maximum contention)', default: 1}),
    hold: durationFlag({description: 'time spent holding each lock', default: 0}),
    ttl: durationFlag({description: 'lease time of each grant', default: 5_000}),
    wait: durationFlag({description: 'how long an acquire may wait for the lock', default: 5_000}),
    target: Flags.string({description: 'a URL (http(s)://, etcd://, zk://, redis://, redlock://) or lock-server, lock-replica, etcd, zookeeper, redis, redlock (the local cluster\'s)', default: 'lock-server'}),
    'retry-delay': durationFlag({description: 'Redis and Redlock only: pause between attempts', default: 1}),
    seed: positiveIntFlag({description: 'seed for the choice of locks', default: 1}),
  }

  async run() {
    const {flags} = await this.parse(BenchLock)
    if (flags.ttl < 1) this.usageError('--ttl must be at least 1ms')
    const {backend} = resolveLockTarget(flags.target, {dataDir: flags['data-dir'], clients: flags.clients, retryDelayMs: flags['retry-delay']})
    const workload = new LockWorkload(backend, {clients: flags.clients, locks: flags.locks, holdMs: flags.hold, ttlMs: flags.ttl, waitMs: flags.wait, seed: flags.seed})
    return runBenchCommand(this, workload, flags, {rows: lockRows})
  }
}

/**
 * The lock's own facts, the same rows in the same order on every run.
 * Timeouts are not among them: the report prints them with the other errors ("errors: timeout").
 */
export function lockRows(r: LoadReport): Array<[string, string | number]> {
  const safety = r.safety as SafetyReport | null
  const fairness = r.fairness as number | null
  const nothingHeld = 'n/a: no lock was granted'
  return [
    ['acquisitions/s', r.throughput.toLocaleString('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1})],
    ['fairness (Jain)', fairness === null ? nothingHeld : fairness.toFixed(3)],
    ['fencing tokens', r.fencingTokens as string],
    ['safety violations', safety ? safety.violations : nothingHeld],
    ['stale writes fenced off', safety ? safety.staleWritesRejected : nothingHeld],
  ]
}
