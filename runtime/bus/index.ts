/**
 * Bus: typed, versioned, validated messages on topics — cast, call (correlation id, timeout, remote
 * NovaError re-raised) and subscribe with MQTT wildcards. MqttBus talks to a real broker (startBroker
 * embeds one per cell); MemoryBus on a MemoryHub is the same contract in-process for tests and the
 * simulator, with injectable link delay and link cuts.
 */
export type {
  Bus,
  CallOptions,
  Envelope,
  Handler,
  MessageContext,
  OutgoingMessage,
  ReplyBody,
  Subscription,
  WireContext,
} from './bus.ts';
export { replyTopic, topicMatches } from './bus.ts';
export type { BusLogger } from './bus-log.ts';
export { defineMessage, envelopeSchema, MessageRegistry, messages, replySchema } from './messages.ts';
export { anySender, HandlerTable, type Delivery, type HandlerEntry, type HandlerTableOptions, type Verdict } from './handlers.ts';
export { DEFAULT_CALL_TIMEOUT_MS, type Payload, type ReplySender, type ReplySenderOf } from './endpoint.ts';
export { MemoryBus, MemoryHub, type MemoryBusOptions } from './memory-bus.ts';
export { MqttBus, startBroker, type Broker, type BrokerOptions, type BrokerTls, type MqttBusOptions, type TlsMaterial } from './mqtt/index.ts';
