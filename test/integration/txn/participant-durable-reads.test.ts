import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, expect, test, vi} from 'vitest'

import type {Message} from '../../../src/core/txn/types.js'
import {realEnv} from '../../../src/runtime/env/real-env.js'
import {fileLogger} from '../../../src/runtime/net/node-log.js'
import {ParticipantService} from '../../../src/nodes/txn-participant/participant-service.js'

const dirs: string[] = []
const services: ParticipantService[] = []

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()))
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

function open(dir: string): ParticipantService {
  // No coordinator listens there: votes and acks are dropped, which this test does not need.
  const service = new ParticipantService(dir, {coordinator: 'http://127.0.0.1:9/'}, 'p1', fileLogger(join(dir, 'node.log'), {}), realEnv())
  services.push(service)
  return service
}

test('a committed value is readable only once its COMMIT is on disk, and a restart reads it back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsys-participant-'))
  dirs.push(dir)
  const service = open(dir)
  const prepare: Message = {type: 'prepare', txn: 't1', from: 'c', to: 'p1', writes: [{key: 'x', value: '1'}], conditions: []}
  service.receive([prepare])
  service.receive([{type: 'commit', txn: 't1', from: 'c', to: 'p1'}])
  // The commit is decided, but its fsync has not run yet (it cannot within this synchronous turn): a crash now would lose it.
  expect(service.read('x')).toBeUndefined()
  await vi.waitFor(() => expect(service.read('x')).toBe('1'))
  await service.close()
  services.splice(services.indexOf(service), 1)
  expect(open(dir).read('x')).toBe('1')
})
