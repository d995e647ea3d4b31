import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

const repo = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url))
const shared = repo('../shared/DESIGN.md')

// The design card lives beside the repository (../shared/DESIGN.md), where outside tools read it;
// docs/DESIGN.md is its copy for readers of the repository alone, and must not drift from it.
describe('docs/DESIGN.md', () => {
  it.runIf(existsSync(shared))('is the design card beside the repository, word for word', () => {
    expect(readFileSync(repo('docs/DESIGN.md'), 'utf8')).toBe(readFileSync(shared, 'utf8'))
  })
})
