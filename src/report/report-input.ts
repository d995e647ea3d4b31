/** The bench workloads, whose --json results the report and --compare read alike. */
export const BENCH_WORKLOADS = ['lock', 'kv', 'ring', 'txn', 'http']

/** One result as the report renders it: a dsys result document (what `--json` prints) and the name to show for it. */
export interface ReportInput {
  /** e.g. the file name, or 'bench lock' for a report written by the run itself. */
  label: string
  result: Record<string, unknown>
}
