import {createServer, type AddressInfo, type Server} from 'node:net'

import {afterAll, beforeAll} from 'vitest'

/**
 * Holds a loopback port for the file's tests (a node told to listen there
 * fails as on a busy machine); returns the port once beforeAll has run. A
 * connection to it (a supervisor asking for /health) is dropped at once, so
 * closing it does not wait.
 */
export function holdBusyPort(): () => number {
  let server: Server
  let port = 0
  beforeAll(async () => {
    server = createServer((socket) => socket.destroy())
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((done) => server.close(() => done())))
  return () => port
}
