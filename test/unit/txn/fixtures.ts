import {SeededRng} from '../../../src/core/common/rng.js'
import {Coordinator, type CoordinatorConfig} from '../../../src/core/txn/coordinator.js'
import {Participant, type ParticipantConfig} from '../../../src/core/txn/participant.js'
import type {Message, TxnId} from '../../../src/core/txn/types.js'

/** Keys name their owner: "p1/x" lives on participant p1. */
export const ownerOf = (key: string): string => key.split('/')[0]

export function coordinatorConfig(overrides: Partial<CoordinatorConfig> = {}): CoordinatorConfig {
  return {id: 'c', ownerOf, rng: new SeededRng(1), prepareTimeoutMs: 1_000, retry: {initialMs: 100, maxMs: 800}, ...overrides}
}

export function newCoordinator(overrides: Partial<CoordinatorConfig> = {}): Coordinator {
  return new Coordinator(coordinatorConfig(overrides))
}

export function participantConfig(id: string, kv: Map<string, string>, overrides: Partial<ParticipantConfig> = {}): ParticipantConfig {
  return {
    id,
    readCommitted: (key) => kv.get(key),
    rng: new SeededRng(2),
    queryAfterMs: 500,
    queryRetry: {initialMs: 100, maxMs: 400},
    decidedMemory: 1_000,
    ...overrides,
  }
}

export function newParticipant(id: string, kv = new Map<string, string>(), overrides: Partial<ParticipantConfig> = {}): Participant {
  return new Participant(participantConfig(id, kv, overrides))
}

/** A message from a participant to the coordinator. */
export function fromParticipant(type: 'vote-yes' | 'query', txn: TxnId, from: string): Message {
  return {type, txn, from, to: 'c'}
}

export function ack(txn: TxnId, from: string, outcome: 'committed' | 'aborted' = 'committed'): Message {
  return {type: 'ack', txn, from, to: 'c', outcome}
}

/** Message kinds and addressees, in order: the shape most tests assert on. */
export function sent(messages: readonly Message[]): string[] {
  return messages.map((m) => `${m.type} ${m.txn} ${m.from}->${m.to}`)
}
