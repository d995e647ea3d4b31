import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {durationFlag} from '../../cli/flags.js'
import {clusterDown} from '../../core/cluster/supervisor.js'

export default class ClusterDown extends DsysCommand {
  static override summary = 'Stop every node (SIGTERM, then SIGKILL after a grace period)'

  static override flags = {
    grace: durationFlag({description: 'time to wait after SIGTERM before SIGKILL', default: 5_000}),
    purge: Flags.boolean({description: "also remove the nodes' data directories"}),
  }

  async run() {
    const {flags} = await this.parse(ClusterDown)
    const nodes = await clusterDown(flags['data-dir'], flags.grace, flags.purge)
    if (!this.jsonEnabled()) {
      for (const n of nodes) this.log(`${n.name}: ${n.result}`)
      this.log(flags.purge ? 'cluster down; data removed' : 'cluster down; data kept (use --purge to remove it)')
    }
    return {nodes, purged: flags.purge}
  }
}
