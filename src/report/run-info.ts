/** Where a result came from: the command line, dsys version and commit, the machine. Every bench and check result carries it as `run`. */

import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {cpus, platform, release} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export interface RunInfo {
  /** The command as typed, e.g. `dsys bench lock --clients 32`. */
  command: string
  startedAt: string
  dsys: {version: string; commit: string | null}
  machine: {cpuModel: string; cpus: number; node: string; os: string}
  /** The command's flags after parsing (defaults included). */
  params: Record<string, unknown>
}

/** The package root: dist/src/report/ or src/report/ → three or two levels up, whichever holds package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir
    dir = dirname(dir)
  }
  return dir
}

/** The commit dsys was built from, when it runs from a git checkout; null from an installed package. */
function gitCommit(root: string): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {cwd: root, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2_000}).toString().trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {cwd: root, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2_000}).toString().trim()
    return dirty === '' ? head : `${head}+dirty`
  } catch {
    return null
  }
}

/** Quotes an argument the way a shell would need it, so `command` can be pasted back. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

export function runInfo(argv: readonly string[], params: Record<string, unknown>, startedAt = new Date()): RunInfo {
  const root = packageRoot()
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string}
  const cpu = cpus()
  return {
    command: ['dsys', ...argv].map(shellWord).join(' '),
    startedAt: startedAt.toISOString(),
    dsys: {version: pkg.version, commit: gitCommit(root)},
    machine: {cpuModel: cpu[0]?.model.trim() ?? 'unknown', cpus: cpu.length, node: process.version, os: `${platform()} ${release()}`},
    params,
  }
}
