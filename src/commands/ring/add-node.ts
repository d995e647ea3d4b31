import {DsysCommand} from '../../cli/base-command.js'
import {durationFlag} from '../../cli/flags.js'
import {renderTable} from '../../report/table.js'
import {RingAdmin} from '../../runtime/clients/ring-admin-client.js'
import type {MigrationReport} from '../../core/ring-live/migration-report.js'
import {migrationRows} from '../../cli/migration-table.js'

export default class RingAddNode extends DsysCommand {
  static override summary = 'Start a new ring shard, add it to the live router and migrate exactly the keys whose owner changes'
  static override description =
    'The router keeps serving during the migration. Prints the keys moved on the live system (and bytes, time) next to the ' +
    'offline prediction of `ring churn` for the same key set and node lists; the two must agree.'

  static override examples = ['<%= config.bin %> ring add-node', '<%= config.bin %> ring add-node --json']

  static override flags = {
    timeout: durationFlag({description: 'how long to wait for the migration to finish', default: 600_000, min: 1}),
  }

  async run(): Promise<MigrationReport> {
    const {flags} = await this.parse(RingAddNode)
    const admin = RingAdmin.forCluster(flags['data-dir'])
    try {
      this.note('starting a new shard and migrating…')
      const report = await admin.addShard(flags.timeout)
      if (!this.jsonEnabled()) this.log(renderTable(['migration', 'result'], migrationRows(report)))
      if (report.agrees === false) this.fail(`live moved count ${report.moved} differs from the offline prediction ${report.prediction?.moved}`)
      return report
    } finally {
      await admin.close()
    }
  }
}
