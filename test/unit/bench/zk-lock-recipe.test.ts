import zookeeper from 'node-zookeeper-client'
import {expect, test} from 'vitest'

import {enqueue, ownNode, predecessorOf, sequenceOf, type QueueSession} from '../../../src/bench/lock/zk-lock-backend.js'

const PREFIX = '0102abcd-lock-'
const node = (prefix: string, seq: number): string => `${prefix}${String(seq).padStart(10, '0')}`

test("a lock node's token is the sequence number ZooKeeper appended", () => {
  expect(sequenceOf(node(PREFIX, 0))).toBe(0)
  expect(sequenceOf(node(PREFIX, 4_200_000_001))).toBe(4_200_000_001)
})

test('a waiter watches its predecessor in sequence order, not the first child ZooKeeper lists', () => {
  // getChildren lists in no particular order; sessions' prefixes sort differently from their sequences.
  const children = [node('ff-lock-', 7), node('aa-lock-', 3), node(PREFIX, 9), node('bb-lock-', 5)]
  expect(predecessorOf(children, node(PREFIX, 9))).toBe(node('ff-lock-', 7))
  expect(predecessorOf(children, node('bb-lock-', 5))).toBe(node('aa-lock-', 3))
  expect(predecessorOf(children, node('aa-lock-', 3))).toBeUndefined()
})

test("a session finds its own node by its prefix, and not another session's", () => {
  expect(ownNode([node('ff-lock-', 7), node(PREFIX, 9)], PREFIX)).toBe(node(PREFIX, 9))
  expect(ownNode([node('ff-lock-', 7)], PREFIX)).toBeUndefined()
})

/** The error the client gives when a request's reply is lost with its connection. */
function connectionLoss(): Error {
  return new zookeeper.Exception(zookeeper.Exception.CONNECTION_LOSS, 'CONNECTION_LOSS', connectionLoss) as unknown as Error
}

/** A lock parent on a server whose create replies can be lost: the node is made, the client hears CONNECTION_LOSS. */
function lossyServer(lostReplies: number): QueueSession & {made: string[]} {
  let seq = 0
  let toLose = lostReplies
  const made: string[] = []
  return {
    made,
    prefix: PREFIX,
    async createSequential(path: string) {
      const name = node(path.slice(path.lastIndexOf('/') + 1), seq++)
      made.push(name)
      if (toLose-- > 0) throw connectionLoss()
      return name
    },
    async children() {
      return [node('ee-lock-', 100), ...made]
    },
    async mkdirp() {},
  }
}

test('ZOOKEEPER-1262: after a create whose reply was lost, the session takes the node it made instead of queueing a second', async () => {
  const server = lossyServer(1)
  const own = await enqueue(server, '/dsys-locks/l')
  expect(server.made).toEqual([node(PREFIX, 0)])
  expect(own).toBe(node(PREFIX, 0))
})

test('a create lost before it reached the server is tried again', async () => {
  const server = lossyServer(0)
  let lost = false
  const create = server.createSequential.bind(server)
  server.createSequential = async (path) => {
    if (!lost) {
      lost = true
      throw connectionLoss()
    }
    return create(path)
  }
  expect(await enqueue(server, '/dsys-locks/l')).toBe(node(PREFIX, 0))
  expect(server.made).toEqual([node(PREFIX, 0)])
})
