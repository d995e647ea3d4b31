/** A node.json option that must be a positive number when present. */
export function positiveOption(name: string, value: unknown): number | undefined {
  if (value !== undefined && (typeof value !== 'number' || !(value > 0))) throw new Error(`options.${name} must be a positive number`)
  return value as number | undefined
}
