import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, expect} from 'vitest'

import {type CliResult, runCli} from './run-cli.js'

/**
 * A cluster for one test file: `cluster up ...upArgs` (free ports) in a fresh
 * data directory before its tests, down and removed after them. Gives the
 * directory and `dsys(...)`, which runs the CLI against it.
 */
export function clusterForTests(upArgs: string[]): {dataDir: string; dsys: (...args: string[]) => Promise<CliResult>} {
  const dataDir = mkdtempSync(join(tmpdir(), 'dsys-cli-cluster-'))
  const dsys = (...args: string[]) => runCli([...args, '--data-dir', dataDir])
  beforeAll(async () => {
    const up = await dsys('cluster', 'up', ...upArgs)
    expect(up.code, up.stderr).toBe(0)
  })
  afterAll(async () => {
    await dsys('cluster', 'down', '--purge', '--grace', '1s')
    rmSync(dataDir, {recursive: true, force: true})
  })
  return {dataDir, dsys}
}
