/** An error the user caused (a bad flag, argument or input file): the CLI prints it on one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}
