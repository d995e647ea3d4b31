/**
 * Opens a generated report of each kind in Debian's chromium and checks what a
 * person would see: every chart drew its data (a canvas of non-zero size with
 * coloured pixels in it: axes and grid alone are grey), no console error, no
 * request but the page itself. Saves a screenshot of each (DSYS_SCREENSHOTS,
 * or a temporary directory that the test names).
 */
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {type Browser, chromium} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {compareResults} from '../../../src/report/compare.js'
import {type HtmlReportOptions, renderHtmlReport} from '../../../src/report/html-report.js'
import {readResultFile} from '../../../src/report/result-file.js'

const CHROMIUM = process.env.DSYS_CHROMIUM ?? '/usr/bin/chromium'
const FIXTURES = new URL('../../fixtures/report/', import.meta.url)
const fixture = (name: string) => readResultFile(new URL(name, FIXTURES).pathname)

const CASES: Array<{name: string; files: string[]; compare?: boolean}> = [
  {name: 'bench-lock', files: ['bench-lock.json']},
  {name: 'bench-kv', files: ['bench-kv.json', 'bench-kv-open.json']},
  {name: 'bench-ring', files: ['bench-ring.json']},
  {name: 'bench-txn', files: ['bench-txn.json']},
  {name: 'ring-churn', files: ['ring-churn.json']},
  {name: 'check-pass', files: ['check-kv-pass.json', 'check-lock-old.json']},
  {name: 'check-fail', files: ['check-kv-fail.json']},
  {name: 'hdr-log', files: ['bench-lock.hlog']},
  {name: 'compare', files: ['bench-kv.json', 'bench-kv-open.json'], compare: true},
]

/** Per chart: its canvas size and how many of its pixels are coloured (a series, a bar, a band's label is not). */
interface ChartPixels {
  id: string
  width: number
  height: number
  coloured: number
}

const chromiumMissing = !existsSync(CHROMIUM)
if (chromiumMissing) console.warn(`browser test skipped: no chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does, or set DSYS_CHROMIUM)`)

describe.skipIf(chromiumMissing)('HTML report in a real browser', () => {
  let browser: Browser
  const dir = mkdtempSync(join(tmpdir(), 'dsys-report-'))
  // Kept after the run, for a person to look at; the pages themselves go.
  const screenshots = process.env.DSYS_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'dsys-report-screenshots-'))
  mkdirSync(screenshots, {recursive: true})

  beforeAll(async () => {
    browser = await chromium.launch({executablePath: CHROMIUM})
    console.log(`browser test screenshots: ${screenshots}`)
  })
  afterAll(async () => {
    await browser?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  for (const c of CASES) {
    it(`${c.name}: every chart draws its data, with no console error and no network request`, async () => {
      const inputs = c.files.map(fixture)
      const options: HtmlReportOptions = c.compare ? {comparison: compareResults(inputs)} : {}
      const path = join(dir, `${c.name}.html`)
      writeFileSync(path, renderHtmlReport(inputs, options))
      const url = pathToFileURL(path).href

      const page = await browser.newPage({viewport: {width: 1280, height: 900}})
      const problems: string[] = []
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
      })
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
      await page.route('**/*', (route) => {
        if (route.request().url() === url) return route.continue()
        problems.push(`request: ${route.request().url()}`)
        return route.abort()
      })
      await page.goto(url)

      const charts: ChartPixels[] = await page.$$eval('figure.chart', (figures) =>
        figures.map((f) => {
          const canvas = f.querySelector('canvas')
          if (!canvas || canvas.width === 0 || canvas.height === 0) return {id: f.id, width: canvas?.width ?? 0, height: canvas?.height ?? 0, coloured: 0}
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
          let coloured = 0
          for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 128 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 80) coloured++
          }
          return {id: f.id, width: canvas.width, height: canvas.height, coloured}
        }),
      )
      await page.screenshot({path: join(screenshots, `${c.name}.png`), fullPage: true})
      await page.close()

      expect(problems).toEqual([])
      expect(charts.length).toBeGreaterThan(0)
      for (const chart of charts) {
        expect(chart.width, `${chart.id} width`).toBeGreaterThan(0)
        expect(chart.height, `${chart.id} height`).toBeGreaterThan(0)
        expect(chart.coloured, `${chart.id}: coloured pixels (its data drawn)`).toBeGreaterThan(100)
      }
    })
  }
})
