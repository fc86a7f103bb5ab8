// The Avro schema of a DELETE_BLOCK's content (version 3): Hudi 0.15's HoodieDeleteRecordList, a list of
// {recordKey, partitionPath, orderingVal} where orderingVal is a union of one-field wrapper records, one per Java type
// an ordering value can have. Branch order is the wire format (union index): it must never change. Hudi 1.x appends
// an ArrayWrapper branch (index 12), which 0.15 readers do not know, so it is not written here.

const NS = 'org.apache.hudi.avro.model';

/** Wrapper names in union order after null (index 1..11), with the Avro type of their `value` field. */
export const ORDERING_WRAPPERS = [
  ['BooleanWrapper', 'boolean'],
  ['IntWrapper', 'int'],
  ['LongWrapper', 'long'],
  ['FloatWrapper', 'float'],
  ['DoubleWrapper', 'double'],
  ['BytesWrapper', 'bytes'],
  ['StringWrapper', 'string'],
  ['DateWrapper', 'int'],
  ['DecimalWrapper', { type: 'bytes', logicalType: 'decimal', precision: 30, scale: 15 }],
  ['TimeMicrosWrapper', { type: 'long', logicalType: 'time-micros' }],
  ['TimestampMicrosWrapper', 'long'],
] as const;

export const DELETE_RECORD_LIST_SCHEMA = {
  type: 'record',
  name: 'HoodieDeleteRecordList',
  namespace: NS,
  fields: [
    {
      name: 'deleteRecordList',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'HoodieDeleteRecord',
          fields: [
            { name: 'recordKey', type: ['null', 'string'], default: null },
            { name: 'partitionPath', type: ['null', 'string'], default: null },
            { name: 'orderingVal', type: ['null', ...ORDERING_WRAPPERS.map(([name, value]) => ({ type: 'record', name, fields: [{ name: 'value', type: value }] }))], default: null },
          ],
        },
      },
    },
  ],
};
