/** The MQTT transport: an embedded aedes broker per cell and MqttBus clients (mqtt.js). */
export { startBroker, type Broker, type BrokerOptions } from './broker.ts';
export { MqttBus, type MqttBusOptions } from './mqtt-bus.ts';
