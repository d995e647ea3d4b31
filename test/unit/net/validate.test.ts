import {describe, expect, test} from 'vitest'

import {parseBody} from '../../../src/core/net/validate.js'

const schema = {owner: {type: 'string', minLength: 1}, ttlMs: {type: 'int', min: 1, optional: true}} as const

describe('parseBody', () => {
  test('returns the typed fields of a valid body', () => {
    expect(parseBody({owner: 'a', ttlMs: 5}, schema)).toEqual({owner: 'a', ttlMs: 5})
    expect(parseBody({owner: 'a'}, schema)).toEqual({owner: 'a'})
  })

  test.each([
    ['an unknown field', {owner: 'a', extra: 1}, /unknown field "extra"/],
    ['a field named like an Object.prototype member', JSON.parse('{"owner":"a","toString":1}'), /unknown field "toString"/],
    ['a __proto__ field', JSON.parse('{"owner":"a","__proto__":{"x":1}}'), /unknown field "__proto__"/],
    ['a missing field', {}, /missing field "owner"/],
    ['a wrong type', {owner: 7}, /must be a string/],
    ['an array body', [1], /must be a JSON object/],
  ])('rejects %s', (_what, body, message) => {
    expect(() => parseBody(body, schema)).toThrow(message)
  })
})
