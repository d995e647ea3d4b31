import {badRequest} from '../../runtime/net/http-error.js'
import type {Logger} from '../../runtime/net/node-log.js'
import type {Route} from '../../runtime/net/json-server.js'
import {parseBody} from '../../runtime/net/validate.js'
import {failpointNames, isFailpointName, type FailpointName} from '../../core/txn/index.js'

/**
 * `POST /admin/failpoint {"name"}` arms a crash at a named protocol step of
 * this node's core (src/core/txn/failpoints.ts); only the steps of the node's
 * own role (`coordinator.` or `participant.`) are accepted. Arming is not
 * durable: a restarted node runs without failpoints.
 */
export function failpointRoute(role: 'coordinator' | 'participant', arm: (name: FailpointName) => void, log: Logger): Route {
  return {
    method: 'POST',
    path: '/admin/failpoint',
    handler: ({body}) => {
      const {name} = parseBody(body, {name: {type: 'string', minLength: 1, maxLength: 100}})
      if (!isFailpointName(name) || !name.startsWith(`${role}.`)) {
        throw badRequest(`unknown ${role} failpoint "${name}"; expected one of ${failpointNames.filter((n) => n.startsWith(`${role}.`)).join(', ')}`)
      }
      arm(name)
      log.info('failpoint armed', {failpoint: name})
      return {body: {armed: name}}
    },
  }
}

/** The failpoint fired: die like a power cut, no cleanup, no answers. */
export function crashAtFailpoint(name: FailpointName, log: Logger): never {
  log.error('failpoint reached: SIGKILL', {failpoint: name})
  process.kill(process.pid, 'SIGKILL')
  // SIGKILL is delivered before the event loop runs again; this only satisfies `never`.
  throw new Error(`failpoint ${name}`)
}
