import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, expect, test} from 'vitest'

import {runCli} from '../cli/run-cli.js'

const dataDir = mkdtempSync(join(tmpdir(), 'dsys-check-lock-usage-'))
afterAll(() => rmSync(dataDir, {recursive: true, force: true}))

test.each([
  ['server faults on a target no local cluster runs', ['--target', 'redis://127.0.0.1:1', '--faults', 'kill'], /^dsys: error: --faults kill needs a target the local cluster runs .* use --faults client-pause or none$/],
  ['a fault check lock does not know', ['--faults', 'client-pause,bogus'], /^dsys: error: unknown fault "bogus" here; choose from: kill, pause, partition, client-pause, none$/],
  ['a target that is neither a URL nor a cluster name', ['--target', 'nope'], /^dsys: error: --target "nope" is neither a URL nor a name of what the cluster runs/],
])('%s is a usage error (exit 2), before any load', async (_what, args, message) => {
  const run = await runCli(['check', 'lock', ...args, '--data-dir', dataDir])
  expect(run.code).toBe(2)
  expect(run.stderr.trim()).toMatch(message)
})
