import { describe, expect, it } from 'vitest';
import { ConfigError, ConnectError, RetriableError } from '../../../runtime/spi';
import { logMappedError, mapError, methodNotAllowed, restError } from '../../../runtime/rest/error-mapper';
import { recordingLogger } from './rest-harness';

describe('error mapper', () => {
  it.each([
    ['CONFIG_INVALID', 400],
    ['BAD_REQUEST', 400],
    ['NOT_FOUND', 404],
    ['ALREADY_EXISTS', 409],
    ['ILLEGAL_STATE', 409],
    ['PAYLOAD_TOO_LARGE', 413],
    ['PLUGIN_LOAD_FAILED', 500],
    ['TASK_FAILED', 500],
    ['INTERNAL', 500],
  ] as const)('error mapper code %s maps to %i', (code, status) => {
    const mapped = mapError(new ConnectError(code, 'm'));
    expect(mapped).toEqual({ status, body: { error_code: status, message: 'm', code } });
  });

  it('error mapper ConfigError includes the field errors', () => {
    const mapped = mapError(new ConfigError([{ name: 'tasks.max', message: 'must be at least 1' }]));
    expect(mapped.status).toBe(400);
    expect(mapped.body.errors).toEqual([{ name: 'tasks.max', message: 'must be at least 1' }]);
  });

  it('error mapper maps by code, not by class (a foreign copy of ConnectError)', () => {
    const foreign = Object.assign(new Error('gone'), { code: 'NOT_FOUND' });
    expect(mapError(foreign).status).toBe(404);
    const foreignConfig = { code: 'CONFIG_INVALID', message: 'bad', errors: [{ name: 'file', message: 'missing' }] };
    expect(mapError(foreignConfig).body).toEqual({ error_code: 400, message: 'bad', code: 'CONFIG_INVALID', errors: [{ name: 'file', message: 'missing' }] });
  });

  it('error mapper retriable errors are 500', () => {
    expect(mapError(new RetriableError('broker down')).status).toBe(500);
  });

  it('error mapper plain errors and non-errors are 500 INTERNAL', () => {
    expect(mapError(new TypeError('x is undefined'))).toEqual({ status: 500, body: { error_code: 500, message: 'x is undefined', code: 'INTERNAL' } });
    expect(mapError('a string').body.message).toBe('a string');
  });

  it('error mapper body-parser errors become 413 and 400', () => {
    expect(mapError({ type: 'entity.too.large', status: 413, expose: true, limit: 10, length: 20, message: 'request entity too large' })).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('20 bytes') } });
    expect(mapError({ type: 'entity.parse.failed', status: 400, expose: true, message: 'Unexpected end of JSON input' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', message: 'malformed JSON in request body: Unexpected end of JSON input' } });
    expect(mapError({ type: 'charset.unsupported', status: 415, expose: true, message: 'unsupported charset "LATIN1"' }).status).toBe(400);
  });

  it('error mapper exposed http errors keep their client status class', () => {
    expect(mapError({ status: 400, expose: true, message: 'Failed to decode param' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(mapError({ status: 500, expose: false, message: 'boom' }).status).toBe(500);
  });

  it('error mapper 405 keeps its status through the one mapper', () => {
    expect(mapError(methodNotAllowed('DELETE', '/x', 'GET'))).toMatchObject({ status: 405, body: { error_code: 405, code: 'BAD_REQUEST' } });
    expect(mapError(restError('NOT_FOUND', 'nope')).status).toBe(404);
  });

  it('error mapper logs 500s with the stack and 4xx only at debug', () => {
    const logger = recordingLogger();
    const bug = new TypeError('boom');
    logMappedError(logger, mapError(bug), bug, { method: 'GET', path: '/x' });
    const notFound = new ConnectError('NOT_FOUND', 'nope');
    logMappedError(logger, mapError(notFound), notFound, { method: 'GET', path: '/y' });
    expect(logger.entries.map((e) => e.level)).toEqual(['error', 'debug']);
    expect((logger.entries[0]!.obj as { trace: string }).trace).toContain('TypeError: boom\n    at ');
  });
});
