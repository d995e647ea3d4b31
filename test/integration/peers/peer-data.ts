import zookeeper from 'node-zookeeper-client'
import {request} from 'undici'

import type {NodeRecord} from '../../../src/runtime/cluster/cluster-state.js'
import {tcpExchange} from '../../../src/runtime/cluster/peers/peer-kind.js'

/** One key written to and read back from each kind of peer, through its own protocol. */

const b64 = (s: string): string => Buffer.from(s).toString('base64')

async function etcdCall(node: NodeRecord, path: string, body: object): Promise<Record<string, unknown>> {
  const res = await request(`${node.url}${path}`, {method: 'POST', body: JSON.stringify(body)})
  const json = (await res.body.json()) as Record<string, unknown>
  if (res.statusCode !== 200) throw new Error(`etcd ${path}: ${res.statusCode} ${JSON.stringify(json)}`)
  return json
}

export async function etcdPut(node: NodeRecord, key: string, value: string): Promise<void> {
  await etcdCall(node, '/v3/kv/put', {key: b64(key), value: b64(value)})
}

/** A linearizable read: the member asks the leader. */
export async function etcdGet(node: NodeRecord, key: string): Promise<string | undefined> {
  const {kvs} = (await etcdCall(node, '/v3/kv/range', {key: b64(key)})) as {kvs?: Array<{value: string}>}
  return kvs && Buffer.from(kvs[0].value, 'base64').toString()
}

export async function redisSet(node: NodeRecord, key: string, value: string): Promise<void> {
  const answer = await tcpExchange(node.host, node.port, `SET ${key} ${value}\r\nQUIT\r\n`, 2_000)
  if (!answer.ok || !answer.text.startsWith('+OK')) throw new Error(`redis SET ${key}: ${answer.ok ? answer.text : answer.reason}`)
}

export async function redisGet(node: NodeRecord, key: string): Promise<string | undefined> {
  const answer = await tcpExchange(node.host, node.port, `GET ${key}\r\nQUIT\r\n`, 2_000)
  if (!answer.ok) throw new Error(`redis GET ${key}: ${answer.reason}`)
  const [head, value] = answer.text.split('\r\n')
  return head === '$-1' ? undefined : value
}

/** Runs `use` with a ZooKeeper session on the ensemble of `nodes`, closed after. */
async function withZooKeeper<T>(nodes: readonly NodeRecord[], use: (client: zookeeper.Client) => Promise<T>): Promise<T> {
  const client = zookeeper.createClient(nodes.map((n) => n.url).join(','), {sessionTimeout: 10_000, retries: 0})
  const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()))
  client.connect()
  try {
    await connected
    return await use(client)
  } finally {
    client.close()
  }
}

export function zkCreate(nodes: readonly NodeRecord[], path: string, value: string): Promise<void> {
  return withZooKeeper(nodes, (client) => new Promise((resolve, reject) => client.create(path, Buffer.from(value), (err) => (err ? reject(err) : resolve()))))
}

export function zkGet(nodes: readonly NodeRecord[], path: string): Promise<string | undefined> {
  return withZooKeeper(
    nodes,
    (client) =>
      new Promise((resolve, reject) =>
        client.getData(path, (err, data) => {
          if (err instanceof zookeeper.Exception && err.getCode() === zookeeper.Exception.NO_NODE) resolve(undefined)
          else if (err) reject(err)
          else resolve(data?.toString())
        }),
      ),
  )
}
