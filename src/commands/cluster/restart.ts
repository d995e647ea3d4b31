import {Args} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {durationFlag} from '../../cli/flags.js'
import {summarizeHealth} from '../../report/table.js'
import {restartNode} from '../../runtime/cluster/supervisor.js'

export default class ClusterRestart extends DsysCommand {
  static override summary = 'Start a node again on its own port and data directory (stopping it first if it runs)'

  static override args = {node: Args.string({description: 'node name, as in `dsys cluster status`', required: true})}
  static override flags = {
    grace: durationFlag({description: 'time to wait after SIGTERM before SIGKILL', default: 5_000}),
    timeout: durationFlag({description: 'how long to wait for the node to be healthy', default: 15_000, min: 1}),
  }

  async run() {
    const {args, flags} = await this.parse(ClusterRestart)
    const {node, health} = await restartNode(flags['data-dir'], args.node, flags.grace, flags.timeout)
    if (!this.jsonEnabled()) this.log(`${node.name} restarted (pid ${node.pid}): ${summarizeHealth(health)}`)
    return {node: node.name, pid: node.pid, health}
  }
}
