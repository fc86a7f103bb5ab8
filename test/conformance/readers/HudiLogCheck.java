// Reads and writes Hudi log files with Apache Hudi 0.15's own Java classes (the Spark bundle), to cross-check our
// log format codec against the reference implementation. Compiled at test time into a cache outside the repo
// (test/helpers: see the conformance test), run with the bundle and pyspark's jars on the class path.
//
//   java HudiLogCheck read LOG_FILE
//     One JSON line per block as HoodieLogFormat.newReader returns it: {"type", "header": {KEY: value},
//     "records": [Avro JSON of each record, written by Avro's JsonEncoder]} for data blocks,
//     "deletes": [{"recordKey", "partitionPath", "orderingClass", "orderingValue"}] for delete blocks,
//     "command" for command blocks.
//   java HudiLogCheck keys LOG_FILE...
//     One JSON line per block of each file: {"file", "type", "instant", "keys": [record keys of a data or delete
//     block], "command"?, "target"?}, so a layout check reads many files in one JVM.
//   java HudiLogCheck write DIR FILE_ID BASE_INSTANT WRITE_TOKEN SPEC_JSON_FILE
//     Writes the blocks SPEC lists with HoodieLogFormat.newWriterBuilder() into a new log file of DIR and prints its
//     name. A spec block: {"type": "avro", "instant", "schema", "records": [base64 of Avro binary]} |
//     {"type": "delete", "instant", "records": [{"recordKey", "partitionPath", "ordering": null |
//     {"type": boolean|int|long|float|double|string|date|decimal, "value"}}]} |
//     {"type": "rollback", "instant", "target"}.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hudi.common.model.DeleteRecord;
import org.apache.hudi.common.model.HoodieAvroIndexedRecord;
import org.apache.hudi.common.model.HoodieLogFile;
import org.apache.hudi.common.model.HoodieRecord;
import org.apache.hudi.common.table.log.HoodieLogFormat;
import org.apache.hudi.common.table.log.block.HoodieAvroDataBlock;
import org.apache.hudi.common.table.log.block.HoodieCommandBlock;
import org.apache.hudi.common.table.log.block.HoodieDataBlock;
import org.apache.hudi.common.table.log.block.HoodieDeleteBlock;
import org.apache.hudi.common.table.log.block.HoodieLogBlock;
import org.apache.hudi.common.table.log.block.HoodieLogBlock.HeaderMetadataType;
import org.apache.hudi.common.util.collection.ClosableIterator;
import org.apache.hudi.storage.HoodieStorage;
import org.apache.hudi.storage.HoodieStorageUtils;
import org.apache.hudi.storage.StoragePath;
import org.apache.hudi.storage.hadoop.HadoopStorageConfiguration;

public class HudiLogCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    HoodieStorage storage = HoodieStorageUtils.getStorage(new HadoopStorageConfiguration(new Configuration()));
    if (args.length == 2 && args[0].equals("read")) {
      read(storage, args[1]);
    } else if (args.length >= 2 && args[0].equals("keys")) {
      for (int i = 1; i < args.length; i++) keys(storage, args[i]);
    } else if (args.length == 6 && args[0].equals("write")) {
      write(storage, args);
    } else {
      System.err.println("error: usage: HudiLogCheck read LOG_FILE | keys LOG_FILE... | write DIR FILE_ID BASE_INSTANT WRITE_TOKEN SPEC");
      System.exit(2);
    }
  }

  /** What a mode prints of one block, into the JSON object that already holds the block's "type". */
  private interface BlockPrinter {
    void print(HoodieLogBlock block, ObjectNode out) throws Exception;
  }

  /** Prints one JSON line per block of `file`, as HoodieLogFormat.newReader returns them. */
  private static void eachBlock(HoodieStorage storage, String file, BlockPrinter printer) throws Exception {
    HoodieLogFile logFile = new HoodieLogFile(new StoragePath(new File(file).getAbsoluteFile().toURI().toString()));
    try (HoodieLogFormat.Reader reader = HoodieLogFormat.newReader(storage, logFile, null)) {
      while (reader.hasNext()) {
        HoodieLogBlock block = reader.next();
        ObjectNode out = JSON.createObjectNode();
        out.put("type", block.getBlockType().name());
        printer.print(block, out);
        System.out.println(JSON.writeValueAsString(out));
      }
    }
  }

  private static void read(HoodieStorage storage, String file) throws Exception {
    eachBlock(storage, file, (block, out) -> {
      ObjectNode header = out.putObject("header");
      for (Map.Entry<HeaderMetadataType, String> e : block.getLogBlockHeader().entrySet()) header.put(e.getKey().name(), e.getValue());
      if (block instanceof HoodieDataBlock) {
        HoodieDataBlock data = (HoodieDataBlock) block;
        Schema schema = data.getSchema();
        ArrayNode records = out.putArray("records");
        try (ClosableIterator<HoodieRecord<IndexedRecord>> it = data.getRecordIterator(HoodieRecord.HoodieRecordType.AVRO)) {
          while (it.hasNext()) records.add(avroJson(schema, it.next().getData()));
        }
      } else if (block instanceof HoodieDeleteBlock) {
        ArrayNode deletes = out.putArray("deletes");
        for (DeleteRecord d : ((HoodieDeleteBlock) block).getRecordsToDelete()) {
          ObjectNode o = deletes.addObject();
          o.put("recordKey", d.getRecordKey());
          o.put("partitionPath", d.getPartitionPath());
          Object v = d.getOrderingValue();
          o.put("orderingClass", v == null ? null : v.getClass().getName());
          o.put("orderingValue", v == null ? null : v instanceof ByteBuffer ? Base64.getEncoder().encodeToString(bytes((ByteBuffer) v)) : v.toString());
        }
      } else if (block instanceof HoodieCommandBlock) {
        out.put("command", ((HoodieCommandBlock) block).getType().name());
      }
    });
  }

  private static void keys(HoodieStorage storage, String file) throws Exception {
    eachBlock(storage, file, (block, out) -> {
      out.put("file", file);
      out.put("instant", block.getLogBlockHeader().get(HeaderMetadataType.INSTANT_TIME));
      ArrayNode keys = out.putArray("keys");
      if (block instanceof HoodieDataBlock) {
        try (ClosableIterator<HoodieRecord<IndexedRecord>> it = ((HoodieDataBlock) block).getRecordIterator(HoodieRecord.HoodieRecordType.AVRO)) {
          while (it.hasNext()) {
            IndexedRecord r = it.next().getData();
            keys.add(String.valueOf(r.get(r.getSchema().getField(HoodieRecord.RECORD_KEY_METADATA_FIELD).pos())));
          }
        }
      } else if (block instanceof HoodieDeleteBlock) {
        for (DeleteRecord d : ((HoodieDeleteBlock) block).getRecordsToDelete()) keys.add(d.getRecordKey());
      } else if (block instanceof HoodieCommandBlock) {
        out.put("command", ((HoodieCommandBlock) block).getType().name());
        out.put("target", block.getLogBlockHeader().get(HeaderMetadataType.TARGET_INSTANT_TIME));
      }
    });
  }

  private static String avroJson(Schema schema, IndexedRecord record) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JsonEncoder encoder = EncoderFactory.get().jsonEncoder(schema, bytes);
    new GenericDatumWriter<IndexedRecord>(schema).write(record, encoder);
    encoder.flush();
    return bytes.toString("UTF-8");
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static void write(HoodieStorage storage, String[] args) throws Exception {
    JsonNode spec = JSON.readTree(new File(args[5]));
    HoodieLogFormat.Writer writer = HoodieLogFormat.newWriterBuilder()
        .onParentPath(new StoragePath(new File(args[1]).getAbsoluteFile().toURI().toString()))
        .withFileId(args[2]).overBaseCommit(args[3]).withLogWriteToken(args[4]).withRolloverLogWriteToken(args[4])
        .withFileExtension(HoodieLogFile.DELTA_EXTENSION).withStorage(storage).build();
    try {
      for (JsonNode b : spec) {
        Map<HeaderMetadataType, String> header = new HashMap<>();
        header.put(HeaderMetadataType.INSTANT_TIME, b.get("instant").asText());
        switch (b.get("type").asText()) {
          case "avro": {
            Schema schema = new Schema.Parser().parse(b.get("schema").asText());
            header.put(HeaderMetadataType.SCHEMA, schema.toString());
            GenericDatumReader<IndexedRecord> datumReader = new GenericDatumReader<>(schema);
            List<HoodieRecord> records = new ArrayList<>();
            for (JsonNode r : b.get("records")) {
              byte[] body = Base64.getDecoder().decode(r.asText());
              records.add(new HoodieAvroIndexedRecord(datumReader.read(null, DecoderFactory.get().binaryDecoder(body, null))));
            }
            writer.appendBlock(new HoodieAvroDataBlock(records, header, HoodieRecord.RECORD_KEY_METADATA_FIELD));
            break;
          }
          case "delete": {
            List<DeleteRecord> deletes = new ArrayList<>();
            for (JsonNode d : b.get("records")) deletes.add(DeleteRecord.create(d.get("recordKey").asText(), d.get("partitionPath").asText(), ordering(d.get("ordering"))));
            writer.appendBlock(new HoodieDeleteBlock(deletes.toArray(new DeleteRecord[0]), header));
            break;
          }
          case "rollback": {
            header.put(HeaderMetadataType.TARGET_INSTANT_TIME, b.get("target").asText());
            header.put(HeaderMetadataType.COMMAND_BLOCK_TYPE, String.valueOf(HoodieCommandBlock.HoodieCommandBlockTypeEnum.ROLLBACK_BLOCK.ordinal()));
            writer.appendBlock(new HoodieCommandBlock(header));
            break;
          }
          default:
            throw new IllegalArgumentException("unknown block type in spec: " + b.get("type"));
        }
      }
    } finally {
      writer.close();
    }
    System.out.println(writer.getLogFile().getFileName());
  }

  /** The Java value Hudi would hold as the ordering value of a precombine field of this type. */
  private static Comparable<?> ordering(JsonNode o) {
    if (o == null || o.isNull()) return null;
    JsonNode v = o.get("value");
    switch (o.get("type").asText()) {
      case "boolean": return v.asBoolean();
      case "int": return v.asInt();
      case "long": return Long.parseLong(v.asText());
      case "float": return (float) v.asDouble();
      case "double": return v.asDouble();
      case "string": return v.asText();
      case "date": return LocalDate.ofEpochDay(v.asLong());
      case "decimal": return new BigDecimal(v.asText());
      default: throw new IllegalArgumentException("unsupported ordering type in spec: " + o);
    }
  }
}
