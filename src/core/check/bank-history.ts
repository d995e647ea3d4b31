/** A bank history (check txn) read back: its events checked, the run it records, and the operations behind a broken total. */

import {Anomaly, aroundMarked} from './anomaly.js'
import {brokenRule, EVENT_TYPES, FieldRule, isNumber, isString, oneOf, optional} from './history-format.js'
import {historyOrigin, PairedOperation, pairOperations} from './history-operations.js'

/**
 * One line of a bank history (JSON Lines, DESIGN.md "Histories"): each
 * transfer's and audit's invocation and client outcome (`ok` committed,
 * `fail` certainly not applied, `info` unknown), then each participant's
 * final state once the cluster has settled. Times are ms from the start.
 */
export type BankEvent =
  | {process: number; type: 'invoke'; f: 'transfer'; value: {from: string; to: string}; time: number}
  | {
      process: number
      type: 'ok' | 'fail' | 'info'
      f: 'transfer'
      /** The balances read and the amount moved; absent when the reads failed (no transaction was sent). */
      value: {from: string; to: string; read?: [number, number]; amount?: number}
      /** The coordinator's id of the transaction, when it answered. */
      txn?: string
      /** Why it aborted, failed or is unknown. */
      reason?: string
      time: number
    }
  | {process: number; type: 'invoke'; f: 'audit'; value: null; time: number}
  | {process: number; type: 'ok' | 'fail' | 'info'; f: 'audit'; value: {sum: number; balances: number[]} | null; txn?: string; reason?: string; time: number}
  | {type: 'final'; participant: string; inDoubt: number; lockedKeys: number; balances: Record<string, number>; time: number}

export interface BankRun {
  accounts: number
  total: number
  /** Transfer outcomes: `committed`, the abort reason, or `unknown` when no answer came. */
  outcomes: Record<string, number>
  /** Sums seen by the audits that committed: each a consistent snapshot. */
  auditSums: number[]
  finalSum: number
  /** The final balances that are not non-negative integers. */
  badBalances: number
  /** An audit after everything settled; undefined if it did not commit. */
  finalAudit: number | undefined
  /** Each participant's transactions in doubt once the run ended (empty: no final state was recorded). */
  inDoubt: Record<string, number>
}

/** Every account opens with this much: the bank's total is accounts × INITIAL_BALANCE. */
export const INITIAL_BALANCE = 1_000

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const isNumbers = (v: unknown) => Array.isArray(v) && v.every(isNumber)
const FINAL_RULES: readonly FieldRule[] = [
  ['participant', isString, 'a string'],
  ['inDoubt', isNumber, 'a number'],
  ['lockedKeys', isNumber, 'a number'],
  ['balances', (v) => isObject(v) && Object.values(v).every(isNumber), 'an object of account → balance'],
  ['time', isNumber, 'a number (ms)'],
]
const OPERATION_RULES: readonly FieldRule[] = [
  ['process', isNumber, 'a number'],
  ['type', oneOf(...EVENT_TYPES, 'final'), `${EVENT_TYPES.join(', ')} or final`],
  ['f', oneOf('transfer', 'audit'), 'transfer or audit'],
  ['time', isNumber, 'a number (ms)'],
  ['txn', optional(isString), 'a string'],
  ['reason', optional(isString), 'a string'],
]
const TRANSFER_RULES: readonly FieldRule[] = [
  ['value', (v) => isObject(v) && isString(v.from) && isString(v.to) && (v.read === undefined || (isNumbers(v.read) && (v.read as number[]).length === 2)) && optional(isNumber)(v.amount), '{from, to, read?: [number, number], amount?: number}'],
]
const AUDIT_RULES: readonly FieldRule[] = [['value', (v) => v === null || (isObject(v) && isNumber(v.sum) && isNumbers(v.balances)), 'null or {sum, balances}']]

/** What makes `event` not a bank history event, in words; undefined when it is one. */
export function bankEventProblem(event: Record<string, unknown>): string | undefined {
  if (event.type === 'final') return brokenRule(event, FINAL_RULES)
  return brokenRule(event, OPERATION_RULES) ?? brokenRule(event, event.f === 'transfer' ? TRANSFER_RULES : AUDIT_RULES)
}

type BankOperation = PairedOperation<Extract<BankEvent, {process: number}>>
type BankOutcome = Extract<BankEvent, {type: 'ok' | 'fail' | 'info'}>

/** An operation's outcome event, typed as one. */
const outcomeOf = (op: BankOperation) => op.completion as BankOutcome | undefined

/**
 * The run a bank history records: each transfer's outcome (`committed`,
 * the abort reason, `read failed`, or `unknown` when no answer came), the
 * sums of the committed audits, and from the participants' final states the
 * balances, what is in doubt, and the audit that came after them.
 */
export function bankRunFromHistory(history: readonly BankEvent[]): BankRun {
  const finals = history.flatMap((e) => (e.type === 'final' ? [e] : []))
  const firstFinalLine = history.findIndex((e) => e.type === 'final') + 1
  const balances = finals.flatMap((f) => Object.values(f.balances))
  const outcomes: Record<string, number> = {}
  const auditSums: number[] = []
  let finalAudit: number | undefined
  for (const op of pairOperations(history) as BankOperation[]) {
    const c = outcomeOf(op)
    if (!c) continue
    if (op.invoke.f === 'transfer') {
      const outcome = c.type === 'ok' ? 'committed' : c.type === 'info' ? 'unknown' : c.reason?.startsWith('read failed') ? 'read failed' : (c.reason ?? 'aborted')
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    } else if (c.type === 'ok' && c.f === 'audit' && c.value) {
      if (firstFinalLine > 0 && op.line > firstFinalLine) finalAudit = c.value.sum
      else auditSums.push(c.value.sum)
    }
  }
  return {
    accounts: balances.length,
    total: balances.length * INITIAL_BALANCE,
    outcomes,
    auditSums,
    finalSum: balances.reduce((a, b) => a + b, 0),
    badBalances: balances.filter((b) => !Number.isInteger(b) || b < 0).length,
    finalAudit,
    inDoubt: Object.fromEntries(finals.map((f) => [f.participant, f.inDoubt])),
  }
}

/**
 * The operations behind `problems`, marked: each committed audit that saw
 * another total and, when the final money is wrong or something stayed in
 * doubt, each transfer whose outcome the client never learned (the suspects:
 * a transfer applied in part is among them). Undefined when nothing broke.
 */
export function bankAnomaly(history: readonly BankEvent[], run: BankRun, problems: readonly string[]): Anomaly | undefined {
  if (problems.length === 0) return undefined
  const ops = pairOperations(history) as BankOperation[]
  const moneyBroken = run.finalSum !== run.total || run.finalAudit !== run.total || Object.values(run.inDoubt).some((n) => n > 0)
  const wrongAudit = (op: BankOperation) => op.completion?.type === 'ok' && op.completion.f === 'audit' && op.completion.value !== null && op.completion.value.sum !== run.total
  const suspect = (op: BankOperation) => moneyBroken && op.invoke.f === 'transfer' && (op.completion === undefined || op.completion.type === 'info')
  const marked = (op: BankOperation) => wrongAudit(op) || suspect(op)
  const anyMarked = ops.some(marked)
  return {
    explanation: `${problems.join('; ')}${anyMarked ? '. Marked: the committed audits that saw another total and, when money was made, lost or left in doubt, the transfers whose outcome the client never learned (a transfer applied in part is among them)' : ''}`,
    operations: anyMarked
      ? aroundMarked(ops, marked, historyOrigin(history), (op) => {
          const c = outcomeOf(op)
          if (op.invoke.f === 'audit') return {output: c?.f === 'audit' && c.value ? `sum ${c.value.sum}` : undefined}
          return {input: `${op.invoke.value.from} → ${op.invoke.value.to}`, output: c?.f === 'transfer' && c.value.amount !== undefined ? `moved ${c.value.amount}` : undefined}
        })
      : [],
  }
}
