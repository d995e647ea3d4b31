import {createRequire} from 'node:module'
import {Writable} from 'node:stream'

import {expect, test} from 'vitest'

import {progressBar} from '../../../src/cli/progress.js'

const require = createRequire(import.meta.url)

function stream(isTTY: boolean): NodeJS.WriteStream {
  const s = new Writable({write: (_chunk, _encoding, done) => done()})
  return Object.assign(s, {isTTY, columns: 100}) as unknown as NodeJS.WriteStream
}

test('cli-progress is loaded only once a bar is drawn on a terminal, not when dsys starts', () => {
  const loaded = () => require.resolve('cli-progress') in require.cache
  progressBar('{value}/{total}', 3, {}, stream(false)).stop()
  expect(loaded()).toBe(false)
  progressBar('{value}/{total}', 3, {}, stream(true)).stop()
  expect(loaded()).toBe(true)
})
