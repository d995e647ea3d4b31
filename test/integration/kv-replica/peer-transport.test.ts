import {afterEach, expect, test, vi} from 'vitest'

import type {Message} from '../../../src/core/raft/index.js'
import {JsonServer} from '../../../src/runtime/net/json-server.js'
import {PeerTransport} from '../../../src/nodes/replica/peer-transport.js'
import {parseRaftMessages, RAFT_MESSAGES_PATH, RAFT_WIRE} from '../../../src/nodes/raft-node/raft-wire.js'

const heartbeat: Message = {type: 'heartbeat', from: 'n1', to: 'n2', term: 3, commit: 7, context: null, leaderTick: 12}
const response: Message = {type: 'heartbeatResponse', from: 'n2', to: 'n1', term: 3, context: null, leaderTick: 12}

let close: () => Promise<void> = async () => {}
afterEach(() => close())

test("a peer's answer carrying its response reaches the sender, so a heartbeat's response needs no POST of its own", async () => {
  const posted: Message[][] = []
  // n2 answers as a raft node does (main.ts): with its messages for the sender in the answer.
  const server = new JsonServer({
    maxBodyBytes: 1 << 20,
    onBug: (err) => {
      throw err
    },
    routes: [
      {
        method: 'POST',
        path: RAFT_MESSAGES_PATH,
        handler: ({body}) => {
          posted.push(parseRaftMessages(body))
          return {body: {ok: true, messages: [response]}}
        },
      },
    ],
  })
  const {port} = await server.listen(0, '127.0.0.1')
  const answered: Message[][] = []
  const transport = new PeerTransport({n1: 'http://127.0.0.1:1', n2: `http://127.0.0.1:${port}`}, 'n1', RAFT_WIRE, (messages) => answered.push(messages))
  close = async () => {
    await transport.close()
    await server.close()
  }

  transport.send([heartbeat])

  await vi.waitFor(() => expect(answered).toEqual([[response]]))
  expect(posted).toEqual([[heartbeat]])
  expect(transport.counters).toMatchObject({messagesSent: 1, messagesDropped: 0, peerRequests: 1})
})
