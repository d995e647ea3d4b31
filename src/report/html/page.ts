/** The page shell: styles, uPlot inlined, the chart specs as JSON, the script that draws them. No external URL anywhere. */

import {uplotAssets} from './assets.js'
import type {ChartSpec} from './chart-spec.js'
import {CLIENT_SCRIPT} from './client-script.js'
import {esc} from './format.js'

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1f2328; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 16px; }
h2 { font-size: 21px; margin: 40px 0 8px; padding-top: 16px; border-top: 2px solid #d0d7de; }
h2 .kind { font-size: 14px; font-weight: 500; color: #57606a; margin-left: 8px; }
h3 { font-size: 17px; margin: 24px 0 8px; }
h4 { font-size: 15px; margin: 20px 0 6px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { padding: 4px 12px 4px 0; text-align: left; vertical-align: top; border-bottom: 1px solid #eaeef2; }
thead th { border-bottom: 2px solid #d0d7de; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 12px; }
table.facts th { font-weight: 600; color: #424a53; white-space: nowrap; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; word-break: break-all; }
.dim { color: #6e7781; }
.bad { color: #cf222e; }
.good { color: #116329; }
ul.warnings { color: #7d4e00; }
.verdict { font-weight: 700; padding: 1px 8px; border-radius: 10px; white-space: nowrap; }
.verdict.pass { background: #dafbe1; color: #116329; }
.verdict.fail { background: #ffebe9; color: #a40e26; }
.verdict.unknown { background: #fff8c5; color: #7d4e00; }
.verdict.info { background: #ddf4ff; color: #0550ae; }
.banner { display: inline-block; font-size: 20px; margin: 4px 0 12px; padding: 6px 16px; border-radius: 8px; }
ul.failures { color: #a40e26; font-weight: 600; }
p.explanation { background: #ffebe9; border-left: 4px solid #cf222e; padding: 8px 12px; white-space: pre-wrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 24px 28px; margin: 12px 0; }
figure.chart { margin: 0; min-width: 0; }
figure.chart.wide { grid-column: 1 / -1; }
.u-title { font-size: 15px !important; font-weight: 600 !important; text-align: left !important; padding-left: 8px; }
.u-legend { font-size: 13px; }
.key { font-size: 13px; margin: 4px 0 0 8px; }
.key span { margin-right: 16px; white-space: nowrap; }
.key i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }
details.run-info { margin: 8px 0; }
details.run-info summary { cursor: pointer; color: #0969da; }
`

/** JSON inside a <script> element: no "</script" can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

export function page(title: string, body: string, charts: readonly ChartSpec[]): string {
  const uplot = uplotAssets()
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${uplot.css}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
${body}
</main>
<script type="application/json" id="dsys-charts">${scriptJson(charts)}</script>
<script>${uplot.js.replace(/<\/script/gi, '<\\/script')}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`
}
