import {writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {request} from 'undici'

import {nodeUrl} from '../node-url.js'
import {onPath, type PeerKind, type PeerMember} from './peer-kind.js'

const CONFIG_FILE = 'etcd.conf.yml'

const peerUrl = (m: PeerMember): string => nodeUrl(m.host, m.ports[1])

/** GET `url` (POST `body` when given) and its JSON when the answer is a 200; undefined on anything else, within `timeoutMs`. */
async function etcdJson(url: string, timeoutMs: number, body?: object): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await request(url, {
      method: body ? 'POST' : 'GET',
      body: body && JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    })
    const json = (await res.body.json()) as Record<string, unknown>
    return res.statusCode === 200 ? json : undefined
  } catch {
    return undefined
  }
}

/** etcd members: ports client, peer. Data in `<node>/data`, logs (zap) on stderr into the node's log. */
export const etcdPeer: PeerKind = {
  kind: 'etcd',
  description: 'one etcd cluster',
  debianPackage: 'etcd-server',
  portCount: 2,
  startMs: 15_000,
  missing: () => (onPath('etcd') ? undefined : 'no etcd on PATH'),
  url: (host, clientPort) => nodeUrl(host, clientPort),
  configure(member, cluster) {
    const clientUrl = nodeUrl(member.host, member.ports[0])
    // JSON is YAML, which etcd's --config-file reads.
    const config = {
      name: member.name,
      'data-dir': join(member.dataPath, 'data'),
      'listen-client-urls': clientUrl,
      'advertise-client-urls': clientUrl,
      'listen-peer-urls': peerUrl(member),
      'initial-advertise-peer-urls': peerUrl(member),
      'initial-cluster': cluster.map((m) => `${m.name}=${peerUrl(m)}`).join(','),
      'initial-cluster-state': 'new',
      // Two clusters that reuse each other's ports must not join: each cluster's token is its data directory.
      'initial-cluster-token': `dsys:${dirname(member.dataPath)}`,
      // The JSON gateway (/v3/...), which the probe and HTTP clients use; off unless the config file says so.
      'enable-grpc-gateway': true,
      logger: 'zap',
      'log-outputs': ['stderr'],
    }
    const configPath = join(member.dataPath, CONFIG_FILE)
    writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n')
    return configPath
  },
  command: (configPath) => ({file: 'etcd', args: ['--config-file', configPath]}),
  async probe(node, timeoutMs) {
    // /health is true once the member has a leader and no alarm; the status says whether it is the leader.
    const health = await etcdJson(`${node.url}/health`, timeoutMs)
    if (health?.health !== 'true') return undefined
    const status = await etcdJson(`${node.url}/v3/maintenance/status`, timeoutMs, {})
    const header = status?.header as {member_id?: string; revision?: string} | undefined
    if (!status || !header) return undefined
    return {
      kind: 'etcd',
      id: node.name,
      role: status.leader === header.member_id ? 'leader' : 'follower',
      raftTerm: Number(status.raftTerm),
      revision: Number(header.revision),
      raftIndex: Number(status.raftIndex),
    }
  },
}
