/** Where a result came from (its `run` field): whatever of it the result carries; older results may carry none. */

import {esc, facts, obj, utcTime} from './format.js'

export function runInfoHtml(result: Record<string, unknown>): string {
  const run = obj(result.run)
  if (result.workload === 'hdr-log') return '<p class="dim">An HDR log does not record how its run was made; the run\'s --json result does.</p>'
  if (!run) return '<p class="dim">This result does not say how it was run (it predates the <code>run</code> field).</p>'
  const dsys = obj(run.dsys)
  const machine = obj(run.machine)
  const params = obj(run.params)
  const rows: Array<[string, string]> = []
  if (typeof run.command === 'string') rows.push(['command', `<code>${esc(run.command)}</code>`])
  if (typeof run.startedAt === 'string') rows.push(['started', esc(utcTime(run.startedAt))])
  if (dsys) rows.push(['dsys', esc(`${dsys.version ?? '?'}${dsys.commit ? `, commit ${dsys.commit}` : ''}`)])
  if (machine) {
    rows.push(['machine', esc([`${machine.cpus ?? '?'} × ${machine.cpuModel ?? 'unknown CPU'}`, machine.os].filter(Boolean).join(', '))])
    if (machine.node) rows.push(['Node.js', esc(machine.node)])
  }
  if (params) rows.push(['parameters', `<code>${esc(Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join('  '))}</code>`])
  return `<details class="run-info"><summary>How this was run</summary>${facts(rows)}</details>`
}
