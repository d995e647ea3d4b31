/**
 * A 3-member etcd cluster on loopback for benchmarks: each member its own
 * process and data directory (default settings, so fsync on), started,
 * killed with SIGKILL and restarted on the same data.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {openSync, closeSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {request} from 'undici'

import {freePorts} from '../../src/runtime/cluster/ports.js'

interface Member {
  name: string
  clientUrl: string
  args: string[]
  process?: ChildProcess
}

export class EtcdCluster {
  private constructor(
    private readonly dir: string,
    private readonly members: Member[],
  ) {}

  static version(): string {
    return execFileSync('etcd', ['--version'], {encoding: 'utf8'}).split('\n')[0].trim()
  }

  static async start(dir: string, size = 3): Promise<EtcdCluster> {
    const ports = await freePorts('127.0.0.1', 2 * size)
    const names = Array.from({length: size}, (_, i) => `etcd-${i + 1}`)
    const peerUrl = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`
    const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',')
    const members = names.map((name, i) => {
      const clientUrl = `http://127.0.0.1:${ports[2 * i]}`
      const args = [
        `--name=${name}`,
        `--data-dir=${join(dir, name)}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl(i)}`,
        `--initial-advertise-peer-urls=${peerUrl(i)}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-token=dsys-bench',
        '--initial-cluster-state=new',
      ]
      return {name, clientUrl, args}
    })
    const cluster = new EtcdCluster(dir, members)
    for (const m of members) cluster.launch(m)
    await Promise.all(members.map((m) => cluster.waitHealthy(m)))
    await cluster.leader()
    return cluster
  }

  /** etcd://h1:p1,h2:p2,h3:p3 for the kv target. */
  get target(): string {
    return `etcd://${this.members.map((m) => new URL(m.clientUrl).host).join(',')}`
  }

  /** The leader's name, asked of the members through /v3/maintenance/status. */
  async leader(timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      for (const m of this.members) {
        if (m.process === undefined) continue
        try {
          const res = await request(`${m.clientUrl}/v3/maintenance/status`, {method: 'POST', body: '{}', headersTimeout: 1_000, bodyTimeout: 1_000})
          const status = (await res.body.json()) as {header?: {member_id?: string}; leader?: string}
          if (status.leader !== undefined && status.leader !== '0' && status.leader === status.header?.member_id) return m.name
        } catch {
          // not up (yet)
        }
      }
      await sleep(50)
    }
    throw new Error(`etcd: no leader within ${timeoutMs}ms`)
  }

  kill(name: string): void {
    const m = this.member(name)
    m.process?.kill('SIGKILL')
    m.process = undefined
  }

  async restart(name: string): Promise<void> {
    const m = this.member(name)
    this.launch(m)
    await this.waitHealthy(m)
  }

  async stop(): Promise<void> {
    for (const m of this.members) this.kill(m.name)
    await sleep(100)
  }

  private member(name: string): Member {
    const m = this.members.find((x) => x.name === name)
    if (m === undefined) throw new Error(`no etcd member ${name}`)
    return m
  }

  private launch(m: Member): void {
    const log = openSync(join(this.dir, `${m.name}.log`), 'a')
    m.process = spawn('etcd', m.args, {stdio: ['ignore', log, log]})
    closeSync(log)
  }

  private async waitHealthy(m: Member, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      try {
        const res = await request(`${m.clientUrl}/health`, {headersTimeout: 1_000, bodyTimeout: 1_000})
        const body = (await res.body.json()) as {health?: string}
        if (body.health === 'true') return
      } catch {
        // starting
      }
      await sleep(50)
    }
    throw new Error(`etcd member ${m.name} not healthy within ${timeoutMs}ms; see ${join(this.dir, `${m.name}.log`)}`)
  }
}
