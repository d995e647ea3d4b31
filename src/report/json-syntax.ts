/**
 * Where a JSON text first goes wrong, for an error message that names the
 * line: JSON.parse's messages give no position for most errors ("Unexpected
 * token '}'…"), so a small recursive-descent scan finds it.
 */

export interface JsonSyntaxError {
  /** 1-based line of the offending character (the last line when the text ends early). */
  line: number
  /** "unexpected '}'" or "the text ends before the JSON does (truncated?)". */
  reason: string
}

const WS = new Set([' ', '\t', '\n', '\r'])
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y

class Stop {
  constructor(readonly at: number) {}
}

/** The first syntax error of `text` as JSON, or null when it is valid. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0
  const skip = () => {
    while (i < text.length && WS.has(text[i])) i++
  }
  const fail = (): never => {
    throw new Stop(i)
  }
  const expect = (c: string) => (text[i] === c ? i++ : fail())
  const match = (re: RegExp) => {
    re.lastIndex = i
    if (!re.test(text)) fail()
    i = re.lastIndex
  }
  const string = () => {
    // No closing quote anywhere after it: the text was cut inside the string.
    if (text.indexOf('"', i + 1) === -1) throw new Stop(text.length)
    match(STRING)
  }
  const value = (): void => {
    skip()
    const c = text[i]
    if (c === '{') {
      i++
      skip()
      if (text[i] === '}') return void i++
      for (;;) {
        skip()
        if (text[i] !== '"') fail()
        string()
        skip()
        expect(':')
        value()
        skip()
        if (text[i] === '}') return void i++
        expect(',')
      }
    }
    if (c === '[') {
      i++
      skip()
      if (text[i] === ']') return void i++
      for (;;) {
        value()
        skip()
        if (text[i] === ']') return void i++
        expect(',')
      }
    }
    if (c === '"') return string()
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) return void (i += word.length)
      if (word.startsWith(text.slice(i)) && i < text.length) throw new Stop(text.length)
    }
    match(NUMBER)
  }
  try {
    value()
    skip()
    if (i < text.length) fail()
    return null
  } catch (error) {
    if (!(error instanceof Stop)) throw error
    const at = Math.min(error.at, text.length)
    const line = text.slice(0, at).split('\n').length
    if (at >= text.length) return {line, reason: 'the text ends before the JSON does (truncated?)'}
    return {line, reason: `unexpected ${JSON.stringify(text[at])}`}
  }
}
