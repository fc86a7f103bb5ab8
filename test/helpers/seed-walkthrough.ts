// The rocketmq-connect-hudi walkthrough (apache/rocketmq-connect, connectors/rocketmq-connect-hudi/README.md) as the
// tests replay it: its user.avsc, its example sink config with the keys verbatim (paths and topic made local),
// and its messages as the walkthrough's Java producer sends them (Avro JSON from GenericDatumWriter + JsonEncoder).

/** The walkthrough's user.avsc. */
export const SEED_USER_SCHEMA = {
  namespace: 'example.avro',
  type: 'record',
  name: 'User',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'favorite_number', type: ['int', 'null'] },
    { name: 'favorite_color', type: ['string', 'null'] },
  ],
};

/** The walkthrough's example config: no record key; `tablePath` a file:// URL and `schemaPath` an absolute path. */
export function seedSinkConfig(opts: { tablePath: string; schemaPath: string; topic?: string }): Record<string, string> {
  return {
    'connector-class': 'org.apache.rocketmq.connect.hudi.connector.HudiSinkConnector',
    topicNames: opts.topic ?? 'topicc',
    tablePath: opts.tablePath,
    tableName: 'hudi_connector_test_table',
    insertShuffleParallelism: '2',
    upsertShuffleParallelism: '2',
    deleteParallelism: '2',
    'source-record-converter': 'org.apache.rocketmq.connect.runtime.converter.RocketMQConverter',
    'source-rocketmq': '127.0.0.1:9876',
    'source-cluster': 'DefaultCluster',
    'refresh-interval': '10000',
    schemaPath: opts.schemaPath,
  };
}

/** User number `i` as a plain object; every fifth has a null colour. */
export function seedUser(i: number): { name: string; favorite_number: number; favorite_color: string | null } {
  return { name: `user-${i}`, favorite_number: i, favorite_color: i % 5 === 0 ? null : i % 2 === 0 ? 'white' : 'red' };
}

/** User number `i` in Avro JSON, unions wrapped as Java's JsonEncoder writes them. */
export function seedUserAvroJson(i: number): string {
  const u = seedUser(i);
  return JSON.stringify({ name: u.name, favorite_number: { int: u.favorite_number }, favorite_color: u.favorite_color === null ? null : { string: u.favorite_color } });
}
