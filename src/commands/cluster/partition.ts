import {Args, Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {renderTable} from '../../report/table.js'
import {partitionCluster, PARTITIONABLE} from '../../runtime/cluster/partition.js'

const nodeList = (text: string): string[] => text.split(',').map((n) => n.trim()).filter((n) => n.length > 0)

export default class ClusterPartition extends DsysCommand {
  static override summary = 'Cut nodes off from their peers: their peer messages are dropped both ways until `dsys cluster heal`'
  static override description = `Applies to subsystems whose nodes talk to each other (${PARTITIONABLE.join(', ')}). Client requests still reach every node, as in Jepsen's partitions between servers. Each call replaces the subsystem's previous partition; a restarted node comes back healed.`
  static override examples = [
    '<%= config.bin %> cluster partition raft-1                    # isolate raft-1 from raft-2 and raft-3',
    '<%= config.bin %> cluster partition raft-1,raft-2 --from raft-3',
    '<%= config.bin %> cluster partition txn-participant-1         # a participant loses its coordinator',
  ]

  static override args = {nodes: Args.string({description: 'comma-separated node names: one side of the partition', required: true})}
  static override flags = {
    from: Flags.string({description: 'comma-separated node names: the other side (default: the rest of the subsystem)'}),
  }

  async run() {
    const {args, flags} = await this.parse(ClusterPartition)
    const plan = await partitionCluster(flags['data-dir'], nodeList(args.nodes), flags.from === undefined ? undefined : nodeList(flags.from))
    if (!this.jsonEnabled()) {
      this.log(renderTable(['node', 'cut off from'], Object.entries(plan).map(([node, peers]) => [node, peers.join(', ') || '-'])))
    }
    return {partitionedFrom: plan}
  }
}
