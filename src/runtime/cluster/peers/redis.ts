import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {hostPort} from '../node-url.js'
import {onPath, type PeerKind, tcpExchange} from './peer-kind.js'

const CONFIG_FILE = 'redis.conf'

/**
 * Redis servers, each an independent master (Redlock's assumption), with
 * every write in the append-only file fsynced before it is answered and no
 * RDB snapshots: the most durable Redis there is. One port.
 */
export const redisPeer: PeerKind = {
  kind: 'redis',
  description: 'independent Redis servers (no replication)',
  debianPackage: 'redis-server',
  portCount: 1,
  startMs: 0,
  missing: () => (onPath('redis-server') ? undefined : 'no redis-server on PATH'),
  url: (host, clientPort) => `redis://${hostPort(host, clientPort)}`,
  configure(member) {
    const settings = [
      `port ${member.ports[0]}`,
      `bind ${member.host}`,
      `dir ${member.dataPath}`,
      'appendonly yes',
      'appendfsync always',
      'save ""',
      'daemonize no',
      // The log goes to stdout, i.e. the node's log.
      'logfile ""',
      // Redis rewrites its process title; the supervisor knows the process by the config path in it.
      `proc-title-template "{title} {listen-addr} {config-file}"`,
    ]
    const configPath = join(member.dataPath, CONFIG_FILE)
    writeFileSync(configPath, settings.join('\n') + '\n')
    return configPath
  },
  command: (configPath) => ({file: 'redis-server', args: [configPath]}),
  async probe(node, timeoutMs) {
    // QUIT makes the server close the connection after its answers.
    const answer = await tcpExchange(node.host, node.port, 'PING\r\nDBSIZE\r\nQUIT\r\n', timeoutMs)
    const [pong, keys] = answer.ok ? answer.text.split('\r\n') : []
    if (pong !== '+PONG') return undefined
    return {kind: 'redis', id: node.name, keys: Number(keys.slice(1))}
  },
}
