/** An error a handler throws to answer with a status and `{"error": message}`. */
export class HttpError extends Error {
  override name = 'HttpError'

  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

/** The body of every error answer: `{"error": message, ...extra}`. */
export const errorBody = (message: string, extra: Record<string, unknown> = {}): string => JSON.stringify({error: message, ...extra})

export const badRequest = (message: string): HttpError => new HttpError(400, message)
export const notFound = (message: string): HttpError => new HttpError(404, message)
export const conflict = (message: string, extra: Record<string, unknown> = {}): HttpError => new HttpError(409, message, extra)
export const tooLarge = (message: string): HttpError => new HttpError(413, message)
export const unavailable = (message: string, extra: Record<string, unknown> = {}): HttpError => new HttpError(503, message, extra)
