import {DsysCommand} from '../../cli/base-command.js'
import {renderTable, summarizeHealth} from '../../cli/table.js'
import {clusterStatus} from '../../core/cluster/supervisor.js'

export default class ClusterStatus extends DsysCommand {
  static override summary = 'Show every node of the cluster: pid, liveness, URL and what its /health says'

  async run() {
    const {flags} = await this.parse(ClusterStatus)
    const nodes = await clusterStatus(flags['data-dir'])
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['node', 'kind', 'pid', 'alive', 'url', 'health'],
          nodes.map((n) => [n.name, n.kind, n.pid, n.alive ? (n.health ? 'yes' : 'yes (no answer)') : 'no', n.url, summarizeHealth(n.health)]),
          [null, null, null, null, null, 60],
        ),
      )
    }
    return {nodes}
  }
}
