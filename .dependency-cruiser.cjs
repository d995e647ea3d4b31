/**
 * The house plan's one direction of imports (docs/ARCHITECTURE.md), checked
 * by `npm run lint:deps` in `npm test`. Layers, bottom up:
 *
 *   core      pure state machines and checkers: no I/O, no clock, no timers
 *   runtime   env, net, storage, cluster supervisor, clients, wire schemas
 *   nodes     node processes: a core wired to the runtime
 *   harness   bench (load) and check (runners, nemesis), which talk to nodes
 *             only over the wire, through runtime clients
 *   report    results on paper: tables, HTML, comparisons
 *   cli       oclif plumbing shared by commands
 *   commands  one thin file per command
 */
const layer = (name, path, may) => ({name, path, may})
const LAYERS = [
  layer('core', '^src/core/', ['^src/core/']),
  layer('runtime', '^src/runtime/', ['^src/core/', '^src/runtime/']),
  layer('nodes', '^src/nodes/', ['^src/core/', '^src/runtime/', '^src/nodes/']),
  layer('bench', '^src/bench/', ['^src/core/', '^src/runtime/', '^src/bench/']),
  layer('check', '^src/check/', ['^src/core/', '^src/runtime/', '^src/bench/', '^src/check/']),
  layer('report', '^src/report/', ['^src/core/', '^src/runtime/', '^src/bench/', '^src/check/', '^src/report/']),
  layer('cli', '^src/cli/', ['^src/(?!commands/)']),
]

// What the pure core may not touch: the outside world and the real clock.
const IO_MODULES = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'dns', 'child_process', 'cluster', 'worker_threads', 'os', 'perf_hooks', 'timers', 'timers/promises', 'process', 'readline', 'tty']

module.exports = {
  forbidden: [
    ...LAYERS.map((l) => ({
      name: `${l.name}-imports-upward`,
      comment: `${l.name} (${l.path}) may import only from ${l.may.join(', ')}: imports run from commands down to the core`,
      severity: 'error',
      from: {path: l.path},
      to: {path: '^src/', pathNot: l.may},
    })),
    {
      name: 'core-does-io',
      comment: 'the core is pure: time, randomness, disk and network reach it through its callers (docs/ARCHITECTURE.md)',
      severity: 'error',
      from: {path: '^src/core/'},
      to: {dependencyTypes: ['core'], path: `^(node:)?(${IO_MODULES.join('|')})$`},
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two files one idea; merge them or move what they share down',
      severity: 'error',
      from: {path: '^src/'},
      to: {circular: true, viaOnly: {dependencyTypesNot: ['type-only']}},
    },
  ],
  options: {
    doNotFollow: {path: 'node_modules'},
    tsPreCompilationDeps: true,
    tsConfig: {fileName: 'tsconfig.json'},
    enhancedResolveOptions: {extensions: ['.ts', '.js']},
  },
}
