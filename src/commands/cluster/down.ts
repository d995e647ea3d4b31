import {Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {durationFlag} from '../../cli/flags.js'
import {ClusterNotUpError, readClusterState} from '../../runtime/cluster/cluster-state.js'
import {clusterDown, purgeLeftovers} from '../../runtime/cluster/supervisor.js'

export default class ClusterDown extends DsysCommand {
  static override summary = 'Stop every node (SIGTERM, then SIGKILL after a grace period)'
  static override description = 'With --purge and no cluster.json, removes the node directories a cluster up left behind (and stops any of their processes still running), or says there is nothing to do.'

  static override flags = {
    grace: durationFlag({description: 'time to wait after SIGTERM before SIGKILL', default: 5_000}),
    purge: Flags.boolean({description: "also remove the nodes' data directories"}),
  }

  async run() {
    const {flags} = await this.parse(ClusterDown)
    const dataDir = flags['data-dir']
    const state = readClusterState(dataDir)
    if (!state) {
      if (!flags.purge) throw new ClusterNotUpError(dataDir)
      const leftovers = await purgeLeftovers(dataDir, flags.grace)
      if (!this.jsonEnabled()) {
        for (const n of leftovers) this.log(`${n.name}: ${n.result}`)
        this.log(leftovers.length === 0 ? `nothing to do: no cluster is up in ${dataDir} and no node data is left there` : `no cluster was up in ${dataDir}; removed what was left of one`)
      }
      return {nodes: leftovers, purged: true}
    }
    const nodes = await clusterDown(dataDir, flags.grace, flags.purge, state)
    if (!this.jsonEnabled()) {
      for (const n of nodes) this.log(`${n.name}: ${n.result}`)
      this.log(flags.purge ? 'cluster down; data removed' : 'cluster down; data kept (use --purge to remove it)')
    }
    return {nodes, purged: flags.purge}
  }
}
