import {Flags} from '@oclif/core'

import {CheckCommand, faultsCell, historyFlag, historyLine, nemesisFlags} from '../../cli/check-command.js'
import {durationFlag, positiveIntFlag} from '../../cli/flags.js'
import {recheckFlag, recheckHistory} from '../../cli/recheck.js'
import {reportFlag} from '../../cli/report-output.js'
import {renderTable} from '../../report/table.js'
import {LOCK_TARGET_USAGE, resolveLockTarget} from '../../cli/lock-targets.js'
import {DEFAULT_LOCK_FAULTS, faultsProblem, LOCK_FAULTS, LockCheckReport, LockCheckTarget, lockCheckTarget, recheckLockHistory, runLockCheck} from '../../check/lock-check.js'
import {VICTIMS, Victim} from '../../check/nemesis.js'
import {lockEventProblem} from '../../core/check/mutual-exclusion.js'

export default class CheckLock extends CheckCommand {
  static override summary = 'Check a lock service for mutual exclusion and fencing under kill -9, pauses and client pauses'
  static override description = `Clients acquire one of a few locks, write once to a protected resource with their fencing token, and release, recording each step (JSON Lines), while a nemesis kills and restarts or pauses (SIGSTOP) the target's nodes, or stops a client holding a lock for longer than its lease (client-pause, a GC pause: nothing sent) before it writes with its old token. The resource rejects a write whose token is below the highest it has seen (fencing), where the target gives tokens. The history is then checked: no grant while an earlier holder's lease was still valid and unreleased, tokens in real-time order, no token granted twice, no write accepted after the lock had passed to another holder (a stale write). With --recheck, only the checker runs, on the history in --history. Exit code 1 on any violation.`
  static override examples = [
    '<%= config.bin %> check lock --duration 30s',
    '<%= config.bin %> check lock --target redis://127.0.0.1:6379 --faults client-pause',
    '<%= config.bin %> check lock --faults kill --fault-interval 2s --json',
    '<%= config.bin %> check lock --history lock.jsonl --recheck',
  ]

  static override flags = {
    ...nemesisFlags(LOCK_FAULTS, DEFAULT_LOCK_FAULTS),
    target: Flags.string({description: `the lock service to check: ${LOCK_TARGET_USAGE}`}),
    victim: Flags.string({description: 'which node a server fault hits where the nodes elect a leader: leader, any, mixed (the leader half the time)', options: [...VICTIMS], default: 'mixed'}),
    clients: positiveIntFlag({description: 'concurrent clients', default: 8}),
    locks: positiveIntFlag({description: 'distinct locks', default: 3}),
    ttl: durationFlag({description: 'lease of each grant (also the longest wait for one)', default: 1_000}),
    hold: durationFlag({description: 'longest hold; each is uniform up to it', default: 5}),
    duration: durationFlag({description: 'how long the clients run', default: 20_000, min: 1}),
    history: historyFlag('lock'),
    recheck: recheckFlag,
    report: reportFlag,
  }

  async run() {
    const {flags} = await this.parse(CheckLock)
    if (flags.recheck) {
      const report = recheckHistory(flags.history, 'lock', lockEventProblem, recheckLockHistory)
      return this.finish(report, describe(report), verdict(report))
    }
    const nemesis = this.nemesisOptions(flags, LOCK_FAULTS)
    const target = this.target(flags.target, flags['data-dir'], flags.clients)
    const problem = faultsProblem(target, nemesis.faults)
    if (problem) {
      await target.backend.close()
      this.usageError(problem)
    }
    await target.backend.preflight()
    const report = await this.withProgress(flags.duration, (observer) =>
      runLockCheck({
        dataDir: flags['data-dir'],
        target,
        clients: flags.clients,
        locks: flags.locks,
        ttlMs: flags.ttl,
        holdMs: flags.hold,
        durationMs: flags.duration,
        ...nemesis,
        victim: flags.victim as Victim,
        historyPath: this.historyPath(flags['data-dir'], 'lock', flags.history),
        observer,
      }),
    )
    return this.finish(report, describe(report), verdict(report))
  }

  /** The backend of `--target` and the local cluster's nodes behind it (none when the cluster does not run it). */
  private target(target: string | undefined, dataDir: string, clients: number): LockCheckTarget {
    const {backend, nodes} = resolveLockTarget(target, {dataDir, clients, retryDelayMs: REDIS_RETRY_DELAY_MS})
    return lockCheckTarget(backend, nodes, dataDir)
  }
}

/** Redis and Redlock: the pause between attempts, bench lock's default. */
const REDIS_RETRY_DELAY_MS = 1

const verdict = (r: LockCheckReport) => (r.result.violations.length > 0 ? 1 : 0)

function describe(r: LockCheckReport): string {
  const o = r.operations
  const v = r.result.violations
  const fencing = r.resource.fencing ? 'on' : 'off: the grants carried no tokens'
  // The target (a list of replica URLs can be long) and the fenced-off writes are lines of their own, so the table stays as narrow as check kv's.
  return [
    `target: ${r.target ?? 'not in the history'}`,
    renderTable(
      ['clients', 'locks', 'seconds', 'operations', 'ok', 'fail', 'unknown', 'grants', 'faults'],
      [[r.clients, r.locks, r.durationS.toFixed(1), o.invoked, o.ok, o.fail, o.info, r.result.grants, faultsCell(r)]],
    ),
    historyLine(r),
    `fencing: ${fencing}; the resource accepted ${r.resource.accepted} writes and rejected ${r.resource.staleRejected} stale ones`,
    v.length === 0
      ? 'mutual exclusion: held (no overlap, tokens in order, no stale write accepted)'
      : `mutual exclusion: VIOLATED ${v.length} times\n${v.slice(0, 10).map((x) => `- ${x.kind} on ${x.lock}: ${x.detail}`).join('\n')}`,
  ].join('\n')
}
