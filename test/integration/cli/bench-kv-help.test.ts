import {expect, test} from 'vitest'

import {runCli} from './run-cli.js'

test('bench kv and bench ring show the --read-ratio default in their help', async () => {
  for (const workload of ['kv', 'ring']) {
    const r = await runCli(['bench', workload, '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/--read-ratio=<value>\s+\[default: 0\.5\]/)
  }
})
