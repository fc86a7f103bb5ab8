import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWorkerConfig, parseWorkerConfig, workerConfigDef, workerEnvOverrides, type WorkerConfig } from '../../../runtime/config/worker-config';
import { ConfigError } from '../../../runtime/spi';

const REPO = join(__dirname, '..', '..', '..');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-worker-config-'));
  mkdirSync(join(dir, 'conf'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function conf(text: string, name = 'worker.conf'): string {
  writeFileSync(join(dir, 'conf', name), text);
  return `conf/${name}`;
}

function loadError(file: string, env: Record<string, string> = {}): ConfigError {
  try {
    loadWorkerConfig(file, env, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function defaults(cwd: string): WorkerConfig {
  return {
    workerId: 'standalone-worker',
    storePathRootDir: join(cwd, 'data', 'store'),
    httpPort: 8082,
    httpHost: '127.0.0.1',
    pluginPaths: [],
    namesrvAddr: undefined,
    allowedRoots: [join(cwd, 'data')],
    queuesPerTopic: 4,
    offsetCommitIntervalMs: 5000,
    taskShutdownTimeoutMs: 10000,
    restMaxBodyBytes: 1048576,
    logLevel: 'info',
    mode: 'standalone',
    rmqProxyEndpoint: '127.0.0.1:8081',
    clusterName: 'DefaultCluster',
    configStoreTopic: 'connector-config-topic',
    statusStoreTopic: 'connector-status-topic',
    positionStoreTopic: 'connector-position-topic',
    clusterStoreTopic: 'connector-cluster-topic',
    heartbeatIntervalMs: 2000,
    workerTimeoutMs: 10000,
    storeRefreshIntervalMs: 21600000,
    clientDefaults: {},
  };
}

describe('loadWorkerConfig', () => {
  it('loadWorkerConfig empty file gives every default, paths resolved against the start directory', () => {
    expect(loadWorkerConfig(conf('# nothing set\n'), {}, dir)).toEqual(defaults(dir));
  });

  it('loadWorkerConfig the shipped conf/connect-standalone.conf loads and equals the defaults (embedded, no namesrvAddr)', () => {
    expect(loadWorkerConfig(join(REPO, 'conf', 'connect-standalone.conf'), {}, dir)).toEqual(defaults(dir));
  });

  it('loadWorkerConfig the shipped conf/connect-distributed.conf is the defaults but for the distributed keys', () => {
    expect(loadWorkerConfig(join(REPO, 'conf', 'connect-distributed.conf'), {}, dir)).toEqual({
      ...defaults(dir),
      workerId: 'worker-1',
      mode: 'distributed',
      namesrvAddr: '127.0.0.1:9876',
      storePathRootDir: join(dir, 'data', 'store-worker-1'),
    });
  });

  it('loadWorkerConfig typed values from the file, in all properties syntaxes', () => {
    const c = loadWorkerConfig(
      conf('workerId: w-1\nhttpPort 0\nhttpHost = 0.0.0.0  \npluginPaths=plugins, /opt/plugins\nlogLevel=debug\nembeddedQueuesPerTopic=16\nnamesrvAddr=10.0.0.1:9876;10.0.0.2:9876\n'),
      {},
      dir,
    );
    expect(c).toMatchObject({
      workerId: 'w-1', httpPort: 0, httpHost: '0.0.0.0', logLevel: 'debug', queuesPerTopic: 16,
      pluginPaths: [join(dir, 'plugins'), '/opt/plugins'], namesrvAddr: '10.0.0.1:9876;10.0.0.2:9876',
    });
  });

  it('loadWorkerConfig relative paths resolve against the start directory, not the conf file directory', () => {
    const c = loadWorkerConfig(conf('storePathRootDir=state/store\nallowedRoots=data,../shared,/abs/root\npluginPaths=./plugins\n'), {}, dir);
    expect(c.storePathRootDir).toBe(join(dir, 'state', 'store'));
    expect(c.storePathRootDir).not.toContain(join('conf', 'state'));
    expect(c.allowedRoots).toEqual([join(dir, 'data'), join(dir, '..', 'shared'), '/abs/root']);
    expect(c.pluginPaths).toEqual([join(dir, 'plugins')]);
  });

  it('loadWorkerConfig allowedRoots keeps S3 locations as given and resolves paths', () => {
    const c = loadWorkerConfig(conf('allowedRoots=data, s3://lake/tables\n'), {}, dir);
    expect(c.allowedRoots).toEqual([join(dir, 'data'), 's3://lake/tables']);
  });

  it('loadWorkerConfig empty value means the default (namesrvAddr= selects the embedded transport)', () => {
    const c = loadWorkerConfig(conf('namesrvAddr=\nworkerId=\nhttpPort=\n'), {}, dir);
    expect(c.namesrvAddr).toBeUndefined();
    expect(c.workerId).toBe('standalone-worker');
    expect(c.httpPort).toBe(8082);
  });

  it('loadWorkerConfig unknown key stops start-up naming the file, key, line and accepted keys', () => {
    const err = loadError(conf('workerId=w\nhttpPortt=8083\n'));
    expect(err.message).toContain('conf/worker.conf');
    expect(err.message).toContain('httpPortt');
    expect(err.message).toContain('line 2');
    expect(err.message).toContain('unknown key');
    for (const k of workerConfigDef().keys()) expect(err.message).toContain(k.name);
    expect(err.errors.map((e) => e.name)).toEqual(['httpPortt']);
  });

  it('loadWorkerConfig unknown key differing only in case suggests the declared spelling', () => {
    const err = loadError(conf('httpport=8083\n'));
    expect(err.message).toContain('did you mean httpPort?');
  });

  it('loadWorkerConfig non-numeric port names the key, line, value and accepted values', () => {
    const err = loadError(conf('# c\nhttpPort=eighty\n'));
    expect(err.message).toContain('httpPort');
    expect(err.message).toContain('line 2');
    expect(err.message).toContain('"eighty"');
    expect(err.message).toContain('0..65535');
  });

  it('loadWorkerConfig out-of-range value names the value and the accepted range', () => {
    const err = loadError(conf('httpPort=70000\n'));
    expect(err.message).toMatch(/httpPort: line 1: value "70000" is invalid: must be at most 65535 \(accepted: 0\.\.65535/);
    expect(loadError(conf('embeddedQueuesPerTopic=0\n')).message).toContain('1..256');
  });

  it('loadWorkerConfig invalid logLevel lists the accepted values', () => {
    const err = loadError(conf('logLevel=verbose\n'));
    expect(err.message).toContain('"verbose"');
    expect(err.message).toContain('trace, debug, info, warn, error');
  });

  it('loadWorkerConfig malformed namesrvAddr is rejected naming the value', () => {
    const err = loadError(conf('namesrvAddr=localhost\n'));
    expect(err.message).toContain('namesrvAddr');
    expect(err.message).toContain('"localhost"');
    expect(err.message).toContain('host:port');
  });

  it('loadWorkerConfig mode=distributed needs namesrvAddr, and a worker timeout above twice the heartbeat interval', () => {
    const err = loadError(conf('mode=distributed\n'));
    expect(err.message).toContain('mode');
    expect(err.message).toContain('"distributed" needs namesrvAddr');
    expect(err.message).toContain('mode=standalone');
    const c = loadWorkerConfig(conf('mode=distributed\nnamesrvAddr=127.0.0.1:9876\nconfigStoreTopic=my-configs\n'), {}, dir);
    expect(c).toMatchObject({ mode: 'distributed', configStoreTopic: 'my-configs', statusStoreTopic: 'connector-status-topic', positionStoreTopic: 'connector-position-topic', clusterStoreTopic: 'connector-cluster-topic', heartbeatIntervalMs: 2000, workerTimeoutMs: 10000 });
    const timing = loadError(conf('mode=distributed\nnamesrvAddr=127.0.0.1:9876\nheartbeatIntervalMs=3000\nworkerTimeoutMs=5000\n'));
    expect(timing.message).toMatch(/workerTimeoutMs: line 4: value 5000 must be more than twice heartbeatIntervalMs \(3000\)/);
    expect(loadError(conf('configStoreTopic=a/b\n')).message).toContain('configStoreTopic');
  });

  it('loadWorkerConfig every offending key is reported at once', () => {
    const err = loadError(conf('httpPort=x\nlogLevel=loud\nbogus=1\n'));
    expect(err.errors.map((e) => e.name).sort()).toEqual(['bogus', 'httpPort', 'logLevel']);
  });

  it('loadWorkerConfig duplicate key stops start-up naming the file and both lines', () => {
    const err = loadError(conf('httpPort=1\nhttpPort=2\n'));
    expect(err.message).toContain('conf/worker.conf');
    expect(err.message).toContain('line 1 and line 2');
  });

  it('loadWorkerConfig missing file names the file and what to give', () => {
    const err = loadError('conf/missing.conf');
    expect(err.message).toContain('conf/missing.conf');
    expect(err.message).toContain('ENOENT');
    expect(err.message).toContain('conf/connect-standalone.conf');
  });

  it('loadWorkerConfig TRIBUTARY_<KEY> environment variables override the file', () => {
    const c = loadWorkerConfig(conf('httpPort=9000\nworkerId=file\n'), { TRIBUTARY_HTTPPORT: '0', TRIBUTARY_STOREPATHROOTDIR: '/var/lib/t', TRIBUTARY_PLUGINPATHS: 'a,b' }, dir);
    expect(c.httpPort).toBe(0);
    expect(c.workerId).toBe('file');
    expect(c.storePathRootDir).toBe('/var/lib/t');
    expect(c.pluginPaths).toEqual([join(dir, 'a'), join(dir, 'b')]);
  });

  it('loadWorkerConfig an empty override clears the file value back to the default', () => {
    const c = loadWorkerConfig(conf('namesrvAddr=127.0.0.1:9876\n'), { TRIBUTARY_NAMESRVADDR: '' }, dir);
    expect(c.namesrvAddr).toBeUndefined();
  });

  it('loadWorkerConfig invalid override names the environment variable and the accepted values', () => {
    const err = loadError(conf(''), { TRIBUTARY_HTTPPORT: 'abc' });
    expect(err.message).toContain('TRIBUTARY_HTTPPORT');
    expect(err.message).toContain('"abc"');
    expect(err.message).toContain('0..65535');
  });

  it('loadWorkerConfig other TRIBUTARY_ variables (the CLI\'s TRIBUTARY_URL) are not worker keys and are ignored', () => {
    expect(loadWorkerConfig(conf(''), { TRIBUTARY_URL: 'http://x', TRIBUTARY_SOMETHING: '1', HTTPPORT: '1' }, dir)).toEqual(defaults(dir));
  });
});

describe('S3 defaults for connectors', () => {
  it('loadWorkerConfig s3.* keys become the clients\' defaults, the secret also from TRIBUTARY_S3_SECRET_KEY', () => {
    const c = loadWorkerConfig(conf('s3.endpoint=http://127.0.0.1:9000\ns3.access.key=ak\ns3.path.style.access=true\n'), { TRIBUTARY_S3_SECRET_KEY: 'sk' }, dir);
    expect(c.clientDefaults).toEqual({ 's3.endpoint': 'http://127.0.0.1:9000', 's3.access.key': 'ak', 's3.secret.key': 'sk', 's3.path.style.access': 'true' });
  });

  it('loadWorkerConfig one S3 credential without the other is refused naming the missing key', () => {
    const err = loadError(conf('s3.access.key=ak\n'));
    expect(err.errors.map((e) => e.name)).toEqual(['s3.secret.key']);
    expect(err.message).toContain('give both s3.access.key and s3.secret.key, or neither');
  });

  it('loadWorkerConfig a malformed s3.path.style.access names the key and the value, never echoing the secret', () => {
    const err = loadError(conf('s3.access.key=ak\ns3.secret.key=very-secret\ns3.path.style.access=maybe\n'));
    expect(err.message).toContain('s3.path.style.access');
    expect(err.message).toContain('maybe');
    expect(err.message).not.toContain('very-secret');
  });
});

describe('workerEnvOverrides', () => {
  it('workerEnvOverrides matches key names case-insensitively after the prefix', () => {
    expect(workerEnvOverrides({ TRIBUTARY_httpPort: '1', TRIBUTARY_LOGLEVEL: 'warn', OTHER: 'x' })).toEqual([
      { key: 'httpPort', variable: 'TRIBUTARY_httpPort', value: '1' },
      { key: 'logLevel', variable: 'TRIBUTARY_LOGLEVEL', value: 'warn' },
    ]);
  });
});

describe('parseWorkerConfig', () => {
  it('parseWorkerConfig builds a WorkerConfig from a map (for in-process workers in tests)', () => {
    expect(parseWorkerConfig({ httpPort: '0', storePathRootDir: '/tmp/s' }, { cwd: dir })).toMatchObject({ httpPort: 0, storePathRootDir: '/tmp/s' });
  });

  it('workerConfigDef every key has a doc, a group and a default', () => {
    for (const k of workerConfigDef().keys()) {
      expect(k.doc.length, k.name).toBeGreaterThan(20);
      expect(k.group, k.name).toBeDefined();
      expect(k.default, k.name).not.toBeUndefined();
    }
  });
});
