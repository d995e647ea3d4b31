import {nextMembership, PlacementInputError} from '../ring/index.js'

/** The shards a router routes to: placement order (jump's bucket numbering) and each shard's URL. */
export interface Membership {
  nodes: string[]
  urls: Record<string, string>
}

export type MembershipRequest = {type: 'add'; name: string; url: string} | {type: 'remove'; name: string}

/**
 * The membership after one add or remove, ordered by `nextMembership` so the
 * live placement is exactly the one `ring churn` predicts. Throws
 * PlacementInputError for an unknown or duplicate name.
 */
export function planMembership(current: Membership, request: MembershipRequest): Membership {
  switch (request.type) {
    case 'add': {
      if (!/^https?:\/\/[^/]+$/.test(request.url)) throw new PlacementInputError(`shard URL must be http(s)://host:port, got "${request.url}"`)
      const nodes = nextMembership(current.nodes, {add: [request.name], remove: []})
      return {nodes, urls: {...current.urls, [request.name]: request.url}}
    }
    case 'remove': {
      const nodes = nextMembership(current.nodes, {add: [], remove: [request.name]})
      const urls = {...current.urls}
      delete urls[request.name]
      return {nodes, urls}
    }
  }
}
