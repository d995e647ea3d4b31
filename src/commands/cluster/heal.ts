import {DsysCommand} from '../../cli/base-command.js'
import {healCluster} from '../../runtime/cluster/partition.js'

export default class ClusterHeal extends DsysCommand {
  static override summary = 'End every partition: all running nodes reach their peers again'

  async run() {
    const {flags} = await this.parse(ClusterHeal)
    const healed = await healCluster(flags['data-dir'])
    if (!this.jsonEnabled()) this.log(healed.length > 0 ? `healed: ${healed.join(', ')}` : 'no running node has peers to heal')
    return {healed}
  }
}
