import {describe, expect, test} from 'vitest'

import {messageBatchParser, parseBody} from '../../../src/runtime/net/validate.js'

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

describe('nested objects and fixed values', () => {
  const nested = {snapshot: {type: 'object', schema: {index: {type: 'int', min: 0}}}, outcome: {type: 'string', oneOf: ['committed', 'aborted']}} as const

  test('an object field is checked against its own schema, and named by its path', () => {
    expect(parseBody({snapshot: {index: 3}, outcome: 'aborted'}, nested)).toEqual({snapshot: {index: 3}, outcome: 'aborted'})
    expect(() => parseBody({snapshot: {index: -1}, outcome: 'aborted'}, nested)).toThrow(/field "index" in snapshot must be >= 0/)
    expect(() => parseBody({snapshot: [], outcome: 'aborted'}, nested)).toThrow(/snapshot must be a JSON object/)
  })

  test('a string outside oneOf is refused with the allowed values', () => {
    expect(() => parseBody({snapshot: {index: 0}, outcome: 'maybe'}, nested)).toThrow(/must be one of "committed", "aborted"/)
  })
})

describe('messageBatchParser', () => {
  const parseMessageBatch = messageBatchParser({ping: {from: {type: 'string'}}, pong: {from: {type: 'string'}, n: {type: 'int'}}})

  test('parses each message by its type', () => {
    expect(parseMessageBatch({messages: [{type: 'ping', from: 'a'}, {type: 'pong', from: 'b', n: 2}]})).toEqual([
      {type: 'ping', from: 'a'},
      {type: 'pong', from: 'b', n: 2},
    ])
  })

  test.each([
    ['a body that is not a batch', [{type: 'ping', from: 'a'}], /body must be \{"messages"/],
    ['a batch with another top-level field', {messages: [], extra: 1}, /body must be \{"messages"/],
    ['an unknown type', {messages: [{type: 'pong', from: 'a', n: 1}, {type: 'bang'}]}, /messages\[1\].type must be one of ping, pong/],
    ['a type named like an Object.prototype member', {messages: [{type: 'toString'}]}, /messages\[0\].type must be one of/],
    ['a null message', {messages: [null]}, /messages\[0\].type must be one of/],
    ['a field of the wrong type', {messages: [{type: 'pong', from: 'a', n: 'two'}]}, /field "n" in messages\[0\] must be an integer/],
    ['a field of another variant', {messages: [{type: 'ping', from: 'a', n: 1}]}, /unknown field "n" in messages\[0\]/],
  ])('rejects %s', (_what, body, message) => {
    expect(() => parseMessageBatch(body)).toThrow(message)
  })
})
