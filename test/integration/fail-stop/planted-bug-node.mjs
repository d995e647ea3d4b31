// A node process for test/integration/fail-stop/fail-stop.test.ts only: the
// real run-node entry path (dist/) with routes that plant a bug on each path a
// node's code runs on — a request handler, a timer, a promise nobody awaits.
import {runNode} from '../../../dist/src/nodes/run-node.js'
import {InvariantError} from '../../../dist/src/core/common/invariant.js'

const planted = (path) => new InvariantError(`planted in ${path}`)

await runNode('planted-bug', async () => ({
  health: () => ({}),
  routes: [
    {
      method: 'POST',
      path: '/plant/request',
      handler: () => {
        throw planted('a request handler')
      },
    },
    {
      method: 'POST',
      path: '/plant/timer',
      handler: () => {
        setTimeout(() => {
          throw planted('a timer')
        }, 0)
        return {}
      },
    },
    {
      method: 'POST',
      path: '/plant/rejection',
      handler: () => {
        void Promise.reject(planted('an unawaited promise'))
        return {}
      },
    },
  ],
}))
