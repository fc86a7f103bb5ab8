import { describe, expect, it } from 'vitest';
import { BadRequestException, InternalErrorException, UnauthorizedException } from 'rocketmq-client-nodejs';
import { classifyClientError, clientErrorText, clientLogger, parseReceiptHandle } from '../../../../../plugins/rocketmq/client/rocketmq-clients';
import { fakeLogger } from '../../../../helpers/fake-contexts';
import { grpcError } from '../fake-rocketmq';

describe('parseReceiptHandle', () => {
  it('parseReceiptHandle of a first delivery reads broker, queue id and queue offset', () => {
    // As the 5.3.3 proxy issued it in the broker test.
    expect(parseReceiptHandle('0 1795443945665 10000 2 0 broker-a 0 0 6779')).toEqual({ brokerName: 'broker-a', queueId: 0, offset: 0, retry: false });
    expect(parseReceiptHandle('12 1795443945665 30000 5 0 broker-b 3 1042 99')).toEqual({ brokerName: 'broker-b', queueId: 3, offset: 1042, retry: false });
  });

  it('parseReceiptHandle of a redelivery marks the retry topic', () => {
    expect(parseReceiptHandle('1 1795443975494 10000 6 1 broker-a 0 1 15852')).toEqual({ brokerName: 'broker-a', queueId: 0, offset: 1, retry: true });
  });

  it('parseReceiptHandle of another layout throws naming the handle', () => {
    expect(() => parseReceiptHandle('abc')).toThrow('unexpected receipt handle layout: "abc"');
    expect(() => parseReceiptHandle('0 1 2 3 0 broker-a x 5')).toThrow(/unexpected receipt handle layout/);
  });
});

describe('classifyClientError', () => {
  it('classifyClientError sorts the client exceptions by RocketMQ status code', () => {
    expect(classifyClientError(new BadRequestException(40004, "tag cannot contain '|'"))).toMatchObject({ kind: 'record', code: 40004 });
    expect(classifyClientError(new BadRequestException(40011, 'the invisibleTime is too small'))).toMatchObject({ kind: 'config' });
    expect(classifyClientError(new UnauthorizedException(40100, 'bad signature'))).toMatchObject({ kind: 'config' });
    expect(classifyClientError(new InternalErrorException(50001, 'broker busy'))).toMatchObject({ kind: 'retriable' });
    expect(classifyClientError(Object.assign(new Error('x'), { code: 41302 }))).toMatchObject({ kind: 'record' });
    expect(classifyClientError(Object.assign(new Error('x'), { code: 42900 }))).toMatchObject({ kind: 'retriable' });
  });

  it('classifyClientError treats gRPC transport errors as retriable except authentication', () => {
    expect(classifyClientError(grpcError(14, 'UNAVAILABLE: No connection established'))).toMatchObject({ kind: 'retriable', code: 14 });
    expect(classifyClientError(grpcError(4, 'DEADLINE_EXCEEDED'))).toMatchObject({ kind: 'retriable' });
    expect(classifyClientError(grpcError(16, 'UNAUTHENTICATED'))).toMatchObject({ kind: 'config' });
  });

  it('classifyClientError reads the message type mismatch and the body size check from the client\'s TypeErrors', () => {
    const e = new TypeError('Current message type not match with topic accept message types, topic=t, actualMessageType=2, acceptMessageTypes=[1,3]');
    expect(classifyClientError(e)).toMatchObject({ kind: 'config', typeMismatch: { messageType: 'FIFO', accepted: ['NORMAL', 'DELAY'] } });
    expect(classifyClientError(new TypeError('Message body size exceeds the threshold, max size=4194304 bytes'))).toMatchObject({ kind: 'record' });
    expect(classifyClientError(new Error('Producer is not running now'))).toMatchObject({ kind: 'retriable' });
  });

  it('classifyClientError looks through the client\'s wrapping to the innermost cause', () => {
    const wrapped = new Error('Startup the rocketmq client failed', { cause: new Error('Failed to fetch topic routes', { cause: grpcError(16, 'UNAUTHENTICATED: bad key') }) });
    expect(classifyClientError(wrapped).kind).toBe('config');
    expect(clientErrorText(wrapped)).toBe('Startup the rocketmq client failed (cause: 16 UNAUTHENTICATED: bad key)');
  });
});

describe('clientLogger', () => {
  it('clientLogger formats printf-style lines, demotes info to debug, errors to warnings, and masks secrets', () => {
    const log = fakeLogger();
    const l = clientLogger(log, ['s3cr3t']);
    l.info('Begin to startup the rocketmq client, clientId=%s', 'c1');
    l.error('Failed, error=%s', new Error('signature of s3cr3t refused'));
    expect(log.entries.map((e) => [e.level, e.msg])).toEqual([
      ['debug', 'Begin to startup the rocketmq client, clientId=c1'],
      ['warn', 'Failed, error=Error: signature of [hidden] refused'],
    ]);
    expect(l.close()).toBeUndefined();
  });
});
