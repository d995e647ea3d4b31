import Table from 'cli-table3'

/** A plain table for people (never used with --json); `compact` drops the rules between rows, for a long table. */
export function renderTable(head: string[], rows: Array<Array<string | number>>, colWidths?: Array<number | null>, compact = false): string {
  const table = new Table({head, style: {head: [], border: [], compact}, ...(colWidths ? {colWidths, wordWrap: true} : {})})
  for (const row of rows) table.push(row.map((c) => String(c)))
  return table.toString()
}

/** One line of a /health answer's role-specific fields, for a status table. */
export function summarizeHealth(health: Record<string, unknown> | null): string {
  if (!health) return '-'
  return Object.entries(health)
    .filter(([k, v]) => !['kind', 'id', 'pid'].includes(k) && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
}
