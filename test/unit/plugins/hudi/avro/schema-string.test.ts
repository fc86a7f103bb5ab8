import { describe, expect, it } from 'vitest';
import { avroSchemaString } from '../../../../../plugins/hudi/avro/schema-string';

describe('avroSchemaString', () => {
  it('avroSchemaString writes Java key order, short names and namespaces only where they change', () => {
    const schema = {
      fields: [
        { type: ['null', 'int'], default: null, name: 'id' },
        { name: 'amount', type: ['null', { name: 'fixed', type: 'fixed', size: 5, namespace: 't.rec.amount', logicalType: 'decimal', precision: 10, scale: 2 }], default: null },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'plain', type: { type: 'string' }, doc: 'no props: a bare name', order: 'ascending' },
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['A', 'B'], doc: 'st' }, aliases: ['state'], 'x-prop': 1 },
        { name: 'again', type: 'Status' },
        { name: 'other', type: 'other.ns.Thing', order: 'descending' },
      ],
      namespace: 't',
      name: 'rec',
      type: 'record',
      doc: 'a record',
      'connect.name': 'x',
      aliases: ['old'],
    };
    expect(avroSchemaString(schema)).toBe(
      '{"type":"record","name":"rec","namespace":"t","doc":"a record","fields":[' +
        '{"name":"id","type":["null","int"],"default":null},' +
        '{"name":"amount","type":["null",{"type":"fixed","name":"fixed","namespace":"t.rec.amount","size":5,"logicalType":"decimal","precision":10,"scale":2}],"default":null},' +
        '{"name":"day","type":{"type":"int","logicalType":"date"}},' +
        '{"name":"plain","type":"string","doc":"no props: a bare name"},' +
        '{"name":"status","type":{"type":"enum","name":"Status","doc":"st","symbols":["A","B"]},"aliases":["state"],"x-prop":1},' +
        '{"name":"again","type":"Status"},' +
        '{"name":"other","type":"other.ns.Thing","order":"descending"}' +
        '],"connect.name":"x","aliases":["old"]}',
    );
  });

  it('avroSchemaString splits a dotted name into name and namespace', () => {
    expect(avroSchemaString({ type: 'record', name: 'example.avro.User', namespace: 'ignored', fields: [{ name: 'n', type: 'string' }] })).toBe(
      '{"type":"record","name":"User","namespace":"example.avro","fields":[{"name":"n","type":"string"}]}',
    );
  });

  it('avroSchemaString marks a null-namespace type inside a namespaced record', () => {
    expect(avroSchemaString({ type: 'record', name: 'R', namespace: 'a', fields: [{ name: 'f', type: { type: 'fixed', name: 'F', namespace: '', size: 2 } }] })).toBe(
      '{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"fixed","name":"F","namespace":"","size":2}}]}',
    );
  });

  it('avroSchemaString writes arrays and maps with their items and values', () => {
    expect(avroSchemaString({ type: 'array', items: { type: 'map', values: 'long' } })).toBe('{"type":"array","items":{"type":"map","values":"long"}}');
  });
});
