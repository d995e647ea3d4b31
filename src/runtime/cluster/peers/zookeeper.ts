import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {hostPort} from '../node-url.js'
import {onPath, type PeerKind, tcpExchange} from './peer-kind.js'

const CONFIG_FILE = 'zoo.cfg'
/** Where Debian's zookeeper package puts the server (its manifest names its dependencies' jars). */
const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar'
/** ZooKeeper logs through SLF4J; without a binding it logs nothing, this one writes to stderr, i.e. the node's log. */
const SLF4J_SIMPLE_JAR = '/usr/share/java/slf4j-simple.jar'

/** The `srvr` four-letter word's `Name: value` lines. */
function srvrFields(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').flatMap((line) => {
    const at = line.indexOf(': ')
    return at > 0 ? [[line.slice(0, at), line.slice(at + 2).trim()]] : []
  }))
}

/**
 * ZooKeeper servers run with java directly (no zkServer.sh, no system
 * config): ports client, quorum, election. The member's myid is its place in
 * the cluster (1-based). Transaction log and snapshots in its directory,
 * fsynced (forceSync).
 */
export const zookeeperPeer: PeerKind = {
  kind: 'zookeeper',
  description: 'one ZooKeeper ensemble',
  debianPackage: 'zookeeperd',
  portCount: 3,
  // Three JVMs starting on two cores, then an election.
  startMs: 60_000,
  // The exception a fatal error names, e.g. "java.net.BindException: Address already in use".
  failureLine: /^(?:[a-z]\w*\.)+\w*(?:Exception|Error)\b/,
  missing() {
    if (!onPath('java')) return 'no java on PATH'
    return existsSync(ZOOKEEPER_JAR) ? undefined : `no ${ZOOKEEPER_JAR}`
  },
  url: (host, clientPort) => hostPort(host, clientPort),
  configure(member, cluster) {
    const dataDir = join(member.dataPath, 'data')
    mkdirSync(dataDir, {recursive: true})
    writeFileSync(join(dataDir, 'myid'), `${cluster.indexOf(member) + 1}\n`)
    const settings = [
      // Sessions time out after 2 to 20 ticks; a follower that lags syncLimit ticks is dropped.
      'tickTime=1000',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${dataDir}`,
      `dataLogDir=${join(member.dataPath, 'datalog')}`,
      `clientPort=${member.ports[0]}`,
      `clientPortAddress=${member.host}`,
      'forceSync=yes',
      // Benchmark clients all come from one address; ZooKeeper's default allows 60 connections per address.
      'maxClientCnxns=0',
      // The health probe and `cluster status` ask with srvr.
      '4lw.commands.whitelist=*',
      // Otherwise every server starts an HTTP admin server on port 8080.
      'admin.enableServer=false',
      // A lone server runs standalone (given its own server line, it logs an error and ignores it).
      ...(cluster.length > 1 ? cluster.map((m, i) => `server.${i + 1}=${hostPort(m.host, m.ports[1])}:${m.ports[2]}`) : []),
    ]
    const configPath = join(member.dataPath, CONFIG_FILE)
    writeFileSync(configPath, settings.join('\n') + '\n')
    return configPath
  },
  command: (configPath) => ({
    file: 'java',
    args: [
      // A small heap and one GC thread: the machine's cores are shared with everything else of the cluster.
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp',
      `${ZOOKEEPER_JAR}:${SLF4J_SIMPLE_JAR}`,
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      configPath,
    ],
  }),
  async probe(node, timeoutMs) {
    // A server that is not in a quorum answers srvr with "not currently serving requests" and no Mode.
    const answer = await tcpExchange(node.host, node.port, 'srvr', timeoutMs)
    const fields = srvrFields(answer.ok ? answer.text : '')
    if (fields.Mode === undefined) return undefined
    // ZooKeeper's mode (leader, follower, standalone) under the name dsys's replicas give their role, so a nemesis finds the leader the same way.
    return {kind: 'zookeeper', id: node.name, role: fields.Mode, zxid: fields.Zxid, nodeCount: Number(fields['Node count'])}
  },
}
