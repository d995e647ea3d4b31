/** uPlot's browser build and stylesheet, read from the installed package so the page needs no network (from src/, dist/ or an installed dsys alike). */

import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

let cached: {js: string; css: string} | undefined

export function uplotAssets(): {js: string; css: string} {
  if (!cached) {
    // The package's exports map points "require" at its CommonJS build; its dist/ folder holds the browser one beside it.
    const dist = dirname(createRequire(import.meta.url).resolve('uplot'))
    cached = {js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'), css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8')}
  }
  return cached
}
