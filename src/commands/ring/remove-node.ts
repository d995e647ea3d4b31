import {Args} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {durationFlag} from '../../cli/flags.js'
import {renderTable} from '../../report/table.js'
import {RingAdmin} from '../../runtime/clients/ring-admin-client.js'
import type {MigrationReport} from '../../core/ring-live/migration-report.js'
import {migrationRows} from '../../cli/migration-table.js'

export default class RingRemoveNode extends DsysCommand {
  static override summary = 'Drain a ring shard (its keys move to the others while the router serves), then stop it'
  static override description =
    'Prints the keys moved on the live system (and bytes, time) next to the offline prediction for the same key set. ' +
    'With jump, removing a shard that is not the last bucket also moves the last bucket\'s keys (swap-with-last).'

  static override examples = ['<%= config.bin %> ring remove-node ring-shard-2']

  static override args = {
    name: Args.string({description: 'the shard to remove, e.g. ring-shard-2', required: true}),
  }

  static override flags = {
    timeout: durationFlag({description: 'how long to wait for the migration to finish', default: 600_000, min: 1}),
  }

  async run(): Promise<MigrationReport> {
    const {args, flags} = await this.parse(RingRemoveNode)
    const admin = RingAdmin.forCluster(flags['data-dir'])
    try {
      // Checked before anything is printed or changed: a shard the ring does not have, or its last one.
      const problem = await admin.removalProblem(args.name)
      if (problem) this.usageError(problem)
      this.note(`draining ${args.name}…`)
      const report = await admin.drainShard(args.name, flags.timeout)
      if (!this.jsonEnabled()) this.log(renderTable(['migration', 'result'], migrationRows(report)))
      if (report.agrees === false) this.fail(`live moved count ${report.moved} differs from the offline prediction ${report.prediction?.moved}`)
      return report
    } finally {
      await admin.close()
    }
  }
}
