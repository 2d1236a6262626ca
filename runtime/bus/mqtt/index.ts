/** The MQTT transport: an embedded aedes broker per cell and MqttBus clients (mqtt.js). */
export { startBroker, type Broker, type BrokerOptions, type BrokerTls } from './broker.ts';
export { MqttBus, type MqttBusOptions, type TlsMaterial } from './mqtt-bus.ts';
