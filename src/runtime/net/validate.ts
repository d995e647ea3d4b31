import {badRequest, tooLarge} from './http-error.js'

/**
 * A tiny schema for request bodies: every field is typed and bounded, and
 * unknown keys are rejected so a typo never silently means "default".
 */
export type FieldSpec =
  | {type: 'string'; optional?: boolean; nullable?: boolean; maxLength?: number; minLength?: number; oneOf?: readonly string[]}
  | {type: 'int'; optional?: boolean; min?: number; max?: number}
  | {type: 'boolean'; optional?: boolean}
  | {type: 'array'; optional?: boolean; maxItems?: number; minItems?: number; items: Schema}
  | {type: 'strings'; optional?: boolean; maxItems?: number; maxLength?: number}
  | {type: 'ints'; optional?: boolean; min?: number}
  | {type: 'object'; optional?: boolean; schema: Schema}

export type Schema = Record<string, FieldSpec>

type FieldValue<F extends FieldSpec> = F extends {type: 'string'}
  ? F extends {nullable: true}
    ? string | null
    : string
  : F extends {type: 'int'}
    ? number
    : F extends {type: 'boolean'}
      ? boolean
      : F extends {type: 'array'; items: infer S extends Schema}
        ? Array<Parsed<S>>
        : F extends {type: 'strings'}
          ? string[]
          : F extends {type: 'ints'}
            ? number[]
            : F extends {type: 'object'; schema: infer S extends Schema}
              ? Parsed<S>
              : never

export type Parsed<S extends Schema> = {
  [K in keyof S as S[K] extends {optional: true} ? never : K]: FieldValue<S[K]>
} & {
  [K in keyof S as S[K] extends {optional: true} ? K : never]?: FieldValue<S[K]>
}

export function parseBody<S extends Schema>(body: unknown, schema: S, where = 'body'): Parsed<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`${where} must be a JSON object`)
  }
  const record = body as Record<string, unknown>
  // for…in, not Object.keys/entries: no arrays per request on the hot path (JSON.parse objects have only own keys).
  for (const key in record) {
    if (!Object.hasOwn(schema, key)) throw badRequest(`unknown field "${key}" in ${where}; expected ${Object.keys(schema).join(', ') || 'no fields'}`)
  }
  for (const key in schema) {
    const spec = schema[key]
    const value = record[key]
    if (value === undefined) {
      if (!spec.optional) throw badRequest(`missing field "${key}" in ${where}`)
      continue
    }
    checkField(key, value, spec, where)
  }
  // Every key is known and every field checked, so the body itself is the result: no copy (a Raft batch holds thousands of entries).
  return record as Parsed<S>
}

function checkField(key: string, value: unknown, spec: FieldSpec, where: string): void {
  switch (spec.type) {
    case 'string': {
      if (value === null && spec.nullable) return
      if (typeof value !== 'string') throw badRequest(`field "${key}" in ${where} must be a string`)
      if (spec.minLength !== undefined && value.length < spec.minLength) {
        throw badRequest(`field "${key}" in ${where} must be at least ${spec.minLength} characters`)
      }
      // Oversize values are 413 so a client can tell "too big" from "malformed".
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        throw tooLarge(`field "${key}" in ${where} is ${value.length} characters; the limit is ${spec.maxLength}`)
      }
      if (spec.oneOf !== undefined && !spec.oneOf.includes(value)) {
        throw badRequest(`field "${key}" in ${where} must be one of ${spec.oneOf.map((v) => JSON.stringify(v)).join(', ')}`)
      }
      return
    }
    case 'int': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw badRequest(`field "${key}" in ${where} must be an integer`)
      if (spec.min !== undefined && value < spec.min) throw badRequest(`field "${key}" in ${where} must be >= ${spec.min}`)
      if (spec.max !== undefined && value > spec.max) throw badRequest(`field "${key}" in ${where} must be <= ${spec.max}`)
      return
    }
    case 'boolean': {
      if (typeof value !== 'boolean') throw badRequest(`field "${key}" in ${where} must be a boolean`)
      return
    }
    case 'array': {
      if (!Array.isArray(value)) throw badRequest(`field "${key}" in ${where} must be an array`)
      if (spec.minItems !== undefined && value.length < spec.minItems) {
        throw badRequest(`field "${key}" in ${where} must have at least ${spec.minItems} item(s)`)
      }
      if (spec.maxItems !== undefined && value.length > spec.maxItems) {
        throw tooLarge(`field "${key}" in ${where} has ${value.length} items; the limit is ${spec.maxItems}`)
      }
      for (let i = 0; i < value.length; i++) parseBody(value[i], spec.items, `${within(where, key)}[${i}]`)
      return
    }
    case 'strings': {
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
        throw badRequest(`field "${key}" in ${where} must be an array of strings`)
      }
      if (spec.maxItems !== undefined && value.length > spec.maxItems) {
        throw tooLarge(`field "${key}" in ${where} has ${value.length} items; the limit is ${spec.maxItems}`)
      }
      if (spec.maxLength !== undefined && value.some((item) => item.length > spec.maxLength!)) {
        throw tooLarge(`an item of field "${key}" in ${where} is longer than ${spec.maxLength} characters`)
      }
      return
    }
    case 'ints': {
      if (!Array.isArray(value)) throw badRequest(`field "${key}" in ${where} must be an array of integers`)
      // One item spec per field, not per item: an accepted reply's slots are on the peer hot path.
      const item: FieldSpec = {type: 'int', min: spec.min}
      for (let i = 0; i < value.length; i++) checkField(`${key}[${i}]`, value[i], item, where)
      return
    }
    case 'object':
      parseBody(value, spec.schema, within(where, key))
      return
  }
}

/** Where a nested field is, for error messages: `writes[0]`, `messages[2].snapshot`. */
const within = (where: string, key: string): string => (where === 'body' ? key : `${where}.${key}`)

/**
 * A parser of a peer's batch, `{"messages": [...]}`, each message a variant
 * picked by its `type` and checked whole against that variant's schema. The
 * whole batch is checked before the caller acts on any of it, so a bad message
 * changes nothing.
 */
export function messageBatchParser(variants: Record<string, Schema>): (body: unknown) => Array<Record<string, unknown>> {
  // Each variant's schema with its `type` field, built once rather than per message.
  const schemas = new Map(Object.entries(variants).map(([type, schema]) => [type, {type: {type: 'string'}, ...schema} as Schema]))
  const types = [...schemas.keys()].join(', ')
  return (body) => {
    const messages = (body as {messages?: unknown} | undefined)?.messages
    if (body === null || typeof body !== 'object' || Object.keys(body).length !== 1 || !Array.isArray(messages)) {
      throw badRequest('body must be {"messages": [...]}')
    }
    return messages.map((m: unknown, i) => {
      const type = (m as {type?: unknown} | null)?.type
      const schema = typeof type === 'string' ? schemas.get(type) : undefined
      if (!schema) throw badRequest(`messages[${i}].type must be one of ${types}`)
      return parseBody(m, schema, `messages[${i}]`) as Record<string, unknown>
    })
  }
}
