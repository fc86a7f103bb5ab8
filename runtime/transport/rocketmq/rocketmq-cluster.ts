// What the RocketMQ transport asks of a RocketMQ cluster, as typed calls over the remoting protocol:
// routes and topic creation through the name server, and per-queue send, pull, offsets on the brokers.
// A queue is named `<brokerName>:<queueId>` so that positions stay valid across broker restarts and
// address changes.

import { ConnectError, type TopicQueue } from '../../spi';
import { decodeMessages, encodeBatch, type DecodedMessage, type OutgoingMessage } from './message-codec';
import { parseFastJson, RemotingClient, RemotingError, RequestCode, ResponseCode } from './remoting-client';

interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
}

interface BrokerData {
  cluster: string;
  brokerName: string;
  brokerAddrs: Record<string, string>;
}

interface TopicRoute {
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  fetchedAt: number;
}

const PERM_READ = 0x4;
const PERM_WRITE = 0x2;
const MASTER_ID = '0';
const ROUTE_TTL_MS = 30_000;

/** Names the name server lists as topics that are RocketMQ's own, not user topics. */
function isSystemTopic(topic: string, clusterNames: Set<string>): boolean {
  return (
    topic.startsWith('%') ||
    topic.startsWith('rmq_sys_') ||
    topic.startsWith('RMQ_SYS_') ||
    ['TBW102', 'SCHEDULE_TOPIC_XXXX', 'BenchmarkTest', 'OFFSET_MOVED_EVENT', 'SELF_TEST_TOPIC', 'TRANS_CHECK_MAX_TIME_TOPIC'].includes(topic) ||
    clusterNames.has(topic)
  );
}

export function queueName(brokerName: string, queueId: number): string {
  return `${brokerName}:${queueId}`;
}

export function parseQueueName(tq: TopicQueue): { brokerName: string; queueId: number } {
  const i = tq.queue.lastIndexOf(':');
  const queueId = Number(tq.queue.slice(i + 1));
  if (i <= 0 || !Number.isSafeInteger(queueId) || queueId < 0) {
    throw new ConnectError('BAD_REQUEST', `queue ${JSON.stringify(tq.queue)} of topic ${tq.topic} is not a RocketMQ queue; RocketMQ queues are named <brokerName>:<queueId>, e.g. broker-a:0`);
  }
  return { brokerName: tq.queue.slice(0, i), queueId };
}

export type PullResult =
  | { status: 'found'; messages: DecodedMessage[]; nextOffset: number; maxOffset: number }
  | { status: 'none'; nextOffset: number; maxOffset: number }
  | { status: 'moved'; nextOffset: number; minOffset: number; maxOffset: number };

export interface RocketMQClusterOptions {
  /** Name server addresses, host:port. */
  namesrvAddrs: string[];
  client?: RemotingClient;
}

export class RocketMQCluster {
  readonly client: RemotingClient;
  private readonly namesrvAddrs: string[];
  private namesrvIndex = 0;
  private readonly routes = new Map<string, TopicRoute>();

  constructor(options: RocketMQClusterOptions) {
    if (options.namesrvAddrs.length === 0) throw new ConnectError('CONFIG_INVALID', 'namesrvAddr is empty; give the name server address, e.g. 127.0.0.1:9876');
    this.namesrvAddrs = options.namesrvAddrs;
    this.client = options.client ?? new RemotingClient();
  }

  /** A name server request, trying each configured name server in turn. */
  private async namesrv(code: number, what: string, ext: Record<string, string | number | boolean>, ok?: number[]): Promise<import('./remoting-client').RemotingCommand> {
    let last: unknown;
    for (let i = 0; i < this.namesrvAddrs.length; i++) {
      const addr = this.namesrvAddrs[(this.namesrvIndex + i) % this.namesrvAddrs.length]!;
      try {
        return await this.client.call(addr, code, what, ext, undefined, { ok });
      } catch (err) {
        last = err;
        if (!(err instanceof RemotingError) || err.responseCode !== -1) throw err;
        this.namesrvIndex = (this.namesrvIndex + 1) % this.namesrvAddrs.length;
      }
    }
    throw last;
  }

  /** The topic's route, or undefined if the name server does not know the topic. */
  async route(topic: string, fresh = false): Promise<TopicRoute | undefined> {
    const cached = this.routes.get(topic);
    if (cached && !fresh && Date.now() - cached.fetchedAt < ROUTE_TTL_MS) return cached;
    const res = await this.namesrv(RequestCode.GET_ROUTEINFO_BY_TOPIC, `route of topic ${topic}`, { topic }, [ResponseCode.SUCCESS, ResponseCode.TOPIC_NOT_EXIST]);
    if (res.code === ResponseCode.TOPIC_NOT_EXIST || !res.body || res.body.length === 0) {
      this.routes.delete(topic);
      return undefined;
    }
    const data = parseFastJson(res.body.toString('utf8')) as { queueDatas?: QueueData[]; brokerDatas?: BrokerData[] };
    const route: TopicRoute = { queueDatas: data.queueDatas ?? [], brokerDatas: data.brokerDatas ?? [], fetchedAt: Date.now() };
    this.routes.set(topic, route);
    return route;
  }

  /** Readable queues of the topic, sorted by broker and queue id; undefined if the topic does not exist. */
  async readQueues(topic: string): Promise<TopicQueue[] | undefined> {
    const route = await this.route(topic);
    if (!route) return undefined;
    return queuesOf(topic, route, PERM_READ, (q) => q.readQueueNums);
  }

  /** Writable queues of the topic (where a producer may send). */
  async writeQueues(topic: string): Promise<TopicQueue[] | undefined> {
    const route = await this.route(topic);
    if (!route) return undefined;
    return queuesOf(topic, route, PERM_WRITE, (q) => q.writeQueueNums);
  }

  /**
   * Creates the topic on every master broker of the named cluster (every cluster the name server knows when
   * `clusterName` is undefined), then waits for its route.
   */
  async createTopic(topic: string, queueNums: number, clusterName?: string, timeoutMs = 15_000): Promise<TopicQueue[]> {
    const res = await this.namesrv(RequestCode.GET_BROKER_CLUSTER_INFO, 'cluster info', {});
    const info = parseFastJson(res.body!.toString('utf8')) as { brokerAddrTable?: Record<string, BrokerData>; clusterAddrTable?: Record<string, string[]> };
    let brokers = Object.values(info.brokerAddrTable ?? {});
    if (clusterName !== undefined) {
      const names = info.clusterAddrTable?.[clusterName];
      if (!names) {
        const known = Object.keys(info.clusterAddrTable ?? {});
        throw new RemotingError(this.namesrvAddrs.join(';'), -1, `cannot create topic ${topic}: the name server knows no RocketMQ cluster named ${JSON.stringify(clusterName)} (known: ${known.join(', ') || 'none yet'}); fix clusterName`, known.length === 0);
      }
      brokers = brokers.filter((b) => names.includes(b.brokerName));
    }
    const masters = brokers.map((b) => b.brokerAddrs[MASTER_ID]).filter((a): a is string => typeof a === 'string');
    if (masters.length === 0) throw new RemotingError(this.namesrvAddrs.join(';'), -1, `cannot create topic ${topic}: the name server knows no master broker${clusterName ? ` in cluster ${clusterName}` : ''} yet`, true);
    for (const addr of masters) {
      await this.client.call(addr, RequestCode.UPDATE_AND_CREATE_TOPIC, `creating topic ${topic}`, {
        topic,
        defaultTopic: 'TBW102',
        readQueueNums: queueNums,
        writeQueueNums: queueNums,
        perm: PERM_READ | PERM_WRITE,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      });
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const queues = await this.readQueues(topic).catch(() => undefined);
      if (queues && queues.length > 0) return queues;
      this.routes.delete(topic);
      if (Date.now() > deadline) throw new RemotingError(this.namesrvAddrs.join(';'), -1, `topic ${topic} was created on ${masters.join(', ')} but the name server did not list it within ${timeoutMs} ms`, true);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async topics(): Promise<string[]> {
    const res = await this.namesrv(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, 'topic list', {});
    const data = parseFastJson(res.body!.toString('utf8')) as { topicList?: string[] };
    const clusters = await this.namesrv(RequestCode.GET_BROKER_CLUSTER_INFO, 'cluster info', {});
    const info = parseFastJson(clusters.body!.toString('utf8')) as { clusterAddrTable?: Record<string, string[]>; brokerAddrTable?: Record<string, unknown> };
    const internal = new Set([...Object.keys(info.clusterAddrTable ?? {}), ...Object.keys(info.brokerAddrTable ?? {})]);
    return (data.topicList ?? []).filter((t) => !isSystemTopic(t, internal)).sort();
  }

  /** Address of the master broker serving the queue. */
  async brokerOf(tq: TopicQueue): Promise<{ addr: string; brokerName: string; queueId: number }> {
    const { brokerName, queueId } = parseQueueName(tq);
    for (const fresh of [false, true]) {
      const route = await this.route(tq.topic, fresh);
      const addr = route?.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs[MASTER_ID];
      if (addr) return { addr, brokerName, queueId };
    }
    throw new RemotingError(this.namesrvAddrs.join(';'), -1, `no master broker named ${brokerName} serves topic ${tq.topic} now (queue ${tq.queue}); it may be restarting`, true);
  }

  /** Forgets the cached route, e.g. after a connection to its broker failed. */
  invalidate(topic: string): void {
    this.routes.delete(topic);
  }

  /** Appends messages to one queue in order, in one request; returns the offset of the first. */
  async sendBatch(tq: TopicQueue, producerGroup: string, messages: OutgoingMessage[]): Promise<number> {
    const { addr, brokerName, queueId } = await this.brokerOf(tq);
    const res = await this.client.call(addr, RequestCode.SEND_BATCH_MESSAGE, `sending ${messages.length} messages to ${tq.topic} queue ${tq.queue}`, {
      a: producerGroup,
      b: tq.topic,
      c: 'TBW102',
      d: 4,
      e: queueId,
      f: 0,
      g: Date.now(),
      h: 0,
      i: '',
      j: 0,
      k: false,
      m: true,
      n: brokerName,
    }, encodeBatch(messages));
    return Number(res.extFields?.['queueOffset'] ?? -1);
  }

  /** Reads up to `max` messages of a queue from `offset`; with `suspendMs` > 0 the broker holds the request until messages arrive. */
  async pull(tq: TopicQueue, group: string, offset: number, max: number, suspendMs: number): Promise<PullResult> {
    const { addr, brokerName, queueId } = await this.brokerOf(tq);
    const FLAG_SUSPEND = 0x2;
    const FLAG_SUBSCRIPTION = 0x4;
    const res = await this.client.call(
      addr,
      RequestCode.PULL_MESSAGE,
      `pulling ${tq.topic} queue ${tq.queue} at ${offset} for group ${group}`,
      {
        consumerGroup: group,
        topic: tq.topic,
        queueId,
        queueOffset: offset,
        maxMsgNums: max,
        sysFlag: FLAG_SUBSCRIPTION | (suspendMs > 0 ? FLAG_SUSPEND : 0),
        commitOffset: 0,
        suspendTimeoutMillis: suspendMs,
        subscription: '*',
        subVersion: Date.now(),
        expressionType: 'TAG',
        bname: brokerName,
      },
      undefined,
      { ok: [ResponseCode.SUCCESS, ResponseCode.PULL_NOT_FOUND, ResponseCode.PULL_RETRY_IMMEDIATELY, ResponseCode.PULL_OFFSET_MOVED], timeoutMs: suspendMs + this.client.requestTimeoutMs },
    );
    const ext = res.extFields ?? {};
    const nextOffset = Number(ext['nextBeginOffset'] ?? offset);
    const maxOffset = Number(ext['maxOffset'] ?? 0);
    if (res.code === ResponseCode.SUCCESS) {
      const messages = decodeMessages(res.body ?? Buffer.alloc(0)).filter((m) => m.queueOffset >= offset);
      return { status: 'found', messages, nextOffset, maxOffset };
    }
    if (res.code === ResponseCode.PULL_OFFSET_MOVED) return { status: 'moved', nextOffset, minOffset: Number(ext['minOffset'] ?? 0), maxOffset };
    return { status: 'none', nextOffset: res.code === ResponseCode.PULL_RETRY_IMMEDIATELY ? offset : nextOffset, maxOffset };
  }

  /** The group's committed offset of the queue, or undefined if it never committed one. */
  async committedOffset(tq: TopicQueue, group: string): Promise<number | undefined> {
    const { addr, queueId } = await this.brokerOf(tq);
    const res = await this.client.call(addr, RequestCode.QUERY_CONSUMER_OFFSET, `committed offset of group ${group} on ${tq.topic} queue ${tq.queue}`, { consumerGroup: group, topic: tq.topic, queueId, setZeroIfNotFound: false }, undefined, {
      ok: [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND],
    });
    if (res.code === ResponseCode.QUERY_NOT_FOUND) return undefined;
    const off = Number(res.extFields?.['offset']);
    return Number.isSafeInteger(off) && off >= 0 ? off : undefined;
  }

  async commitOffset(tq: TopicQueue, group: string, offset: number): Promise<void> {
    const { addr, queueId } = await this.brokerOf(tq);
    await this.client.call(addr, RequestCode.UPDATE_CONSUMER_OFFSET, `committing offset ${offset} of group ${group} on ${tq.topic} queue ${tq.queue}`, { consumerGroup: group, topic: tq.topic, queueId, commitOffset: offset });
  }

  async maxOffset(tq: TopicQueue): Promise<number> {
    const { addr, queueId } = await this.brokerOf(tq);
    const res = await this.client.call(addr, RequestCode.GET_MAX_OFFSET, `end offset of ${tq.topic} queue ${tq.queue}`, { topic: tq.topic, queueId });
    return Number(res.extFields?.['offset'] ?? 0);
  }

  async minOffset(tq: TopicQueue): Promise<number> {
    const { addr, queueId } = await this.brokerOf(tq);
    const res = await this.client.call(addr, RequestCode.GET_MIN_OFFSET, `earliest offset of ${tq.topic} queue ${tq.queue}`, { topic: tq.topic, queueId });
    return Number(res.extFields?.['offset'] ?? 0);
  }

  close(): void {
    this.client.close();
  }
}

function queuesOf(topic: string, route: TopicRoute, perm: number, count: (q: QueueData) => number): TopicQueue[] {
  const out: TopicQueue[] = [];
  const brokers = [...route.queueDatas].filter((q) => (q.perm & perm) !== 0).sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  for (const q of brokers) {
    if (!route.brokerDatas.some((b) => b.brokerName === q.brokerName && b.brokerAddrs[MASTER_ID])) continue;
    for (let i = 0; i < count(q); i++) out.push({ topic, queue: queueName(q.brokerName, i) });
  }
  return out;
}
