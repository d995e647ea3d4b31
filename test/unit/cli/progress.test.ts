import {Writable} from 'node:stream'

import {expect, test} from 'vitest'

import {checkProgress, progressBar} from '../../../src/cli/progress.js'
import {History} from '../../../src/check/histories.js'

/** A stream that keeps what is written to it; a terminal or not. */
function stream(isTTY: boolean): NodeJS.WriteStream & {text: () => string} {
  const chunks: string[] = []
  const s = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return Object.assign(s, {isTTY, columns: 200, text: () => chunks.join('')}) as unknown as NodeJS.WriteStream & {text: () => string}
}

test('progress is drawn only on a terminal', () => {
  const pipe = stream(false)
  const bar = progressBar('{value}/{total} {label}', 3, {label: 'ring'}, pipe)
  bar.update(1, {label: 'jump'})
  bar.stop()
  const check = checkProgress(10_000, pipe)
  check.observer.operation?.()
  check.observer.fault?.({atS: 1, action: 'kill -9', node: 'raft-1'}, 'start')
  check.stop()
  expect(pipe.text()).toBe('')
})

test('a progress bar shows the step being computed as soon as it starts', () => {
  const tty = stream(true)
  const bar = progressBar('{value}/{total} now: {label}', 6, {label: 'ring'}, tty)
  bar.update(1, {label: 'jump: 10 → 11 nodes'})
  expect(tty.text()).toContain('1/6 now: jump: 10 → 11 nodes')
  bar.stop()
})

test("a check's progress shows elapsed of total seconds, operations so far and faults so far", () => {
  const tty = stream(true)
  const check = checkProgress(20_000, tty)
  const history = new History<{type: 'invoke' | 'ok' | 'fail' | 'info'}>(check.observer)
  for (const type of ['invoke', 'ok', 'invoke', 'info', 'invoke', 'fail'] as const) history.push({type})
  check.observer.fault?.({atS: 1, action: 'partition', node: 'raft-2'}, 'start')
  expect(tty.text()).toMatch(/0\/20 s \| 3 operations \| 1 faults \(now: partition raft-2\)/)
  check.observer.fault?.({atS: 2, action: 'heal', node: 'raft-2'}, 'end')
  expect(tty.text().split('\x1b[1G').at(-1)).toMatch(/^check .* 3 operations \| 1 faults\x1b\[0K$/)
  check.stop()
})
