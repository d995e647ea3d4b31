import {afterAll, beforeAll} from 'vitest'

import {BankOptions, openAccounts} from '../../../src/check/bank-check.js'
import {TxnCluster} from './txn-cluster.js'

/** The bank of `dsys check txn`, at test scale. */
export const BANK: Omit<BankOptions, 'durationMs' | 'seed'> = {accounts: 100, prefix: 'acct-', clients: 8}
/** Committed audits a test run needs, at least (CI may shorten the runs to a few seconds, with faults in them). */
export const MIN_AUDITS = 10

/** A txn cluster with every account open, started before the file's tests and stopped after them. */
export function useBankCluster(): () => TxnCluster {
  let cluster: TxnCluster | undefined
  beforeAll(async () => {
    cluster = await TxnCluster.start()
    await openAccounts(cluster.api, BANK)
  })
  afterAll(async () => {
    await cluster?.stop()
  })
  return () => cluster!
}
