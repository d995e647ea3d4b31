/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

export function nodeUrl(host: string, port: number): string {
  return `http://${hostPort(host, port)}`
}
