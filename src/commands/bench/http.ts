import {Args, Flags} from '@oclif/core'

import {DsysCommand} from '../../cli/base-command.js'
import {benchFlags, runBenchCommand} from '../../cli/bench.js'
import {HttpGetWorkload} from '../../bench/http/http-workload.js'
import {TRANSPORTS, TransportName} from '../../runtime/net/transport.js'

export default class BenchHttp extends DsysCommand {
  static override summary = 'GET one URL under load: calibrates the harness against autocannon or wrk on the same endpoint'
  static override examples = ['<%= config.bin %> bench http http://127.0.0.1:8080/ --clients 32 --duration 5s']

  static override args = {url: Args.string({description: 'the URL to GET', required: true})}
  static override flags = {
    ...benchFlags,
    transport: Flags.string({
      description: "the harness's HTTP client: undici, or raw (the lock benchmark's; it reads only content-length responses)",
      options: [...TRANSPORTS],
      default: 'undici',
    }),
  }

  async run() {
    const {args, flags} = await this.parse(BenchHttp)
    if (!/^https?:\/\//.test(args.url)) this.usageError(`expected an http(s) URL, got "${args.url}"`)
    return runBenchCommand(this, new HttpGetWorkload(args.url, flags.clients, flags.transport as TransportName), flags)
  }
}
