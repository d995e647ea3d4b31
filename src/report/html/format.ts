/** Text helpers for the HTML report: escaping and the number formats every section shares. */

const ESCAPES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}

/** Escapes text for HTML element content and quoted attributes. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c])
}

/** A count or a rate for people: integers grouped, others with `decimals` places. */
export function num(n: unknown, decimals = 1): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–'
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', {minimumFractionDigits: decimals, maximumFractionDigits: decimals})
}

/** Milliseconds with a precision that suits their size (0.123, 12.3, 1,234). */
export function ms(n: unknown): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–'
  const decimals = n < 1 ? 3 : n < 100 ? 2 : 0
  return n.toLocaleString('en-US', {minimumFractionDigits: decimals, maximumFractionDigits: decimals})
}

export function pct(fraction: unknown, decimals = 1): string {
  return typeof fraction === 'number' && Number.isFinite(fraction) ? `${(100 * fraction).toFixed(decimals)}%` : '–'
}

/** A table from a header and rows of already-escaped cell HTML; numeric columns right-aligned by the `num` class. */
export function table(head: string[], rows: string[][], numericFrom = 1): string {
  const cell = (tag: string, html: string, i: number) => `<${tag}${i >= numericFrom ? ' class="num"' : ''}>${html}</${tag}>`
  return (
    `<table><thead><tr>${head.map((h, i) => cell('th', esc(h), i)).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('')}</tbody></table>`
  )
}

/** An ISO timestamp for people: `2026-12-04 21:21:00 UTC`. */
export function utcTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

/** A two-column table of facts (name, value HTML). */
export function facts(rows: Array<[string, string]>): string {
  return `<table class="facts"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`
}

/** `value` as a plain object, or undefined: results from older versions may lack any field. */
export function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}
