import {Args, Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {killNode} from '../../runtime/cluster/supervisor.js'
import {SIGNALS} from '../../runtime/cluster/processes.js'

export default class ClusterKill extends DsysCommand {
  static override summary = 'Send a signal to one node (default KILL: a crash, no clean shutdown)'
  static override examples = ['<%= config.bin %> cluster kill lock-1', '<%= config.bin %> cluster kill raft-2 --signal STOP']

  static override args = {node: Args.string({description: 'node name, as in `dsys cluster status`', required: true})}
  static override flags = {
    signal: Flags.string({description: 'signal to send', options: [...SIGNALS], default: 'KILL'}),
  }

  async run() {
    const {args, flags} = await this.parse(ClusterKill)
    const signal = flags.signal as (typeof SIGNALS)[number]
    const node = killNode(flags['data-dir'], args.node, signal)
    if (!this.jsonEnabled()) this.log(`sent SIG${signal} to ${node.name} (pid ${node.pid})`)
    return {node: node.name, pid: node.pid, signal}
  }
}
