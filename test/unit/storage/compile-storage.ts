import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'

const src = join(dirname(fileURLToPath(import.meta.url)), '../../../src')

/**
 * Compiles the storage sources (and the common and env files they import) to ES
 * modules under `outDir`, so a plain `node` child can run them without a
 * build step or a TypeScript loader.
 */
export function compileStorageTo(outDir: string): void {
  const files = [
    ...readdirSync(join(src, 'runtime/storage')).map((name) => `runtime/storage/${name}`),
    'core/common/invariant.ts',
    'runtime/env/disk.ts',
  ]
  for (const file of files) {
    const {outputText} = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
      compilerOptions: {module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022},
    })
    const out = join(outDir, file.replace(/\.ts$/, '.js'))
    mkdirSync(dirname(out), {recursive: true})
    writeFileSync(out, outputText)
  }
  writeFileSync(join(outDir, 'package.json'), '{"type": "module"}')
}
