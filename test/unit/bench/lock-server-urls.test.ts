import {expect, test} from 'vitest'

import {lockServerUrls} from '../../../src/bench/lock/dsys-lock-backend.js'

test('a lock target names one server or several replicas, the scheme written once', () => {
  expect(lockServerUrls('http://127.0.0.1:7000')).toEqual(['http://127.0.0.1:7000'])
  expect(lockServerUrls('http://127.0.0.1:7000,127.0.0.1:7001,localhost:7002')).toEqual(['http://127.0.0.1:7000', 'http://127.0.0.1:7001', 'http://localhost:7002'])
  expect(lockServerUrls('https://h:1,h:2')).toEqual(['https://h:1', 'https://h:2'])
  // A path is kept (a server behind a prefix), without its trailing slash.
  expect(lockServerUrls('http://h:1/lock/')).toEqual(['http://h:1/lock'])
})
