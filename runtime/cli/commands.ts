// The command table of the `tributary` CLI: one CommandSpec per command, each a thin wrapper over one
// RestClient call plus its human-readable view. Later issues add commands here (e.g. a `tables` group for
// the Hudi sink) without touching the dispatcher. A fresh table per call: no module-level mutable state.

import type { ConnectorInfo, ConnectorOffsets, ConnectorStatus, PluginInfo, StateInfo, TaskInfo, TaskStateInfo, WorkerInfo } from '../herder/herder';
import { UsageError, type CommandContext, type CommandSpec, type OptionSpec } from './command';
import { configFromFile, offsetsFromFile, parseKeyValueArgs } from './config-input';
import { cellText, indent, renderGeneric, renderKeyValues, renderTable } from './format';
import { unwrapRocketMq, type RestClient, type RestResponse } from './rest-client';

const FILE_OPTION: OptionSpec = {
  type: 'string', short: 'f', valueName: '<file>',
  description: 'config from a file: JSON (a flat map, or {"name", "config"} as `connectors get --json` prints it), or Java properties if it ends in .properties or .conf',
};

/** The config a create/update sends: the --file's keys, then key=value arguments (which win). */
function configInput(ctx: CommandContext, name: string): Record<string, string> {
  const pairs = parseKeyValueArgs(ctx.args.slice(1));
  const file = ctx.options['file'];
  let config: Record<string, string> = {};
  if (typeof file === 'string') {
    const fromFile = configFromFile(file, ctx.readFile(file));
    if (fromFile.name !== undefined && fromFile.name !== name) {
      throw new UsageError(`${file} names connector ${JSON.stringify(fromFile.name)}, but the command names ${JSON.stringify(name)}; make them agree`);
    }
    config = fromFile.config;
  }
  config = { ...config, ...pairs };
  if (config['name'] !== undefined && config['name'] !== name) {
    throw new UsageError(`config key name=${config['name']} differs from the connector name ${JSON.stringify(name)}; drop the key or make them agree`);
  }
  if (Object.keys(config).length === 0) throw new UsageError('no config given; pass key=value arguments or --file <file>');
  return config;
}

function taskId(arg: string): number {
  if (!/^\d+$/.test(arg)) throw new UsageError(`task id ${JSON.stringify(arg)} is not a number; task ids are 0, 1, 2, ... as shown by \`tributary connectors status <name>\``);
  return Number(arg);
}

function summarizeTasks(tasks: TaskStateInfo[] | undefined): string {
  if (!tasks || tasks.length === 0) return '-';
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(String(t.state), (counts.get(String(t.state)) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}

function firstLine(s: string | undefined): string {
  return s === undefined ? '' : (s.split('\n')[0] ?? '');
}

function renderStatus(s: ConnectorStatus | undefined): string {
  if (!s) return '';
  const lines = [renderKeyValues([
    ['Connector', s.name],
    ['Type', s.type],
    ['State', String(s.connector.state)],
    ['Worker', s.connector.worker_id],
  ])];
  if (s.tasks.length > 0) {
    lines.push('', renderTable(['TASK', 'STATE', 'WORKER', 'ERROR'], s.tasks.map((t) => [String(t.id), String(t.state), t.worker_id, firstLine(t.trace)])));
  } else {
    lines.push('', 'No tasks.');
  }
  const traces: [string, StateInfo][] = [['Connector', s.connector], ...s.tasks.map((t): [string, StateInfo] => [`Task ${t.id}`, t])];
  for (const [label, info] of traces) if (info.trace) lines.push('', `${label} trace:`, indent(info.trace));
  return lines.join('\n');
}

function renderInfo(info: ConnectorInfo | undefined): string {
  if (!info) return '';
  const keys = Object.keys(info.config).sort();
  return [
    renderKeyValues([
      ['Connector', info.name],
      ['Type', info.type],
      ['Tasks', info.tasks.length === 0 ? '-' : info.tasks.map((t) => String(t.task)).join(', ')],
    ]),
    '',
    keys.length === 0 ? 'No config.' : renderTable(['KEY', 'VALUE'], keys.map((k) => [k, info.config[k] ?? ''])),
  ].join('\n');
}

function renderOffsets(body: ConnectorOffsets | undefined): string {
  const list = body?.offsets ?? [];
  if (list.length === 0) return 'No offsets.';
  return renderTable(['PARTITION', 'OFFSET'], list.map((o) => [cellText(o.partition), o.offset === null ? '(none)' : cellText(o.offset)]));
}

function messageOr(fallback: string): (body: { message?: string } | undefined) => string {
  return (body) => (body && typeof body.message === 'string' ? body.message : fallback);
}

/** `connectors <verb> <name>`: one request about a named connector, confirmed in one line. Delete, pause,
 *  resume and stop differ only in the request they send and the words they use. */
function connectorAction(spec: {
  verb: string;
  summary: string;
  details: string;
  send(client: RestClient, name: string): Promise<RestResponse<unknown>>;
  /** Past tense for the confirmation, e.g. `Paused`. */
  done: string;
}): CommandSpec {
  return {
    path: ['connectors', spec.verb], usage: '<name>', summary: spec.summary, args: { min: 1, max: 1 },
    details: spec.details,
    async run(ctx) {
      const name = ctx.args[0]!;
      ctx.show(await spec.send(ctx.client, name), () => `${spec.done} connector ${name}.`);
    },
  };
}

/** The full command table, in help order. */
export function defaultCommands(): CommandSpec[] {
  return [
    {
      path: ['connectors', 'list'], usage: '', summary: 'list connectors with type, state and task states', args: { min: 0, max: 0 },
      details: 'Sends GET /connectors?expand=status.',
      async run(ctx) {
        const res = await ctx.client.listConnectorsWithStatus();
        ctx.show(res, (body) => {
          const names = Object.keys(body ?? {}).sort();
          if (names.length === 0) return 'No connectors.';
          return renderTable(['NAME', 'TYPE', 'STATE', 'TASKS'], names.map((n) => {
            const s = body?.[n]?.status;
            return [n, s?.type ?? '', s ? String(s.connector.state) : '', summarizeTasks(s?.tasks)];
          }));
        });
      },
    },
    {
      path: ['connectors', 'get'], usage: '<name>', summary: "show a connector's config and tasks", args: { min: 1, max: 1 },
      details: 'Sends GET /connectors/<name>. With --json the output can be fed back to `connectors create --file`.',
      async run(ctx) {
        ctx.show(await ctx.client.getConnector(ctx.args[0]!), renderInfo);
      },
    },
    {
      path: ['connectors', 'create'], usage: '<name> [key=value ...]', summary: 'create a connector',
      args: { min: 1 },
      details: [
        'Sends POST /connectors with {"name": <name>, "config": {...}}; 409 if it exists (use `update`).',
        'Values are strings exactly as typed, nothing needs URL-encoding or quoting beyond your shell:',
        '  tributary connectors create orders-src connector.class=order-generator connect.topicname=orders',
        'key=value arguments override keys of --file.',
      ].join('\n'),
      options: {
        file: FILE_OPTION,
        'initial-state': { type: 'string', valueName: '<state>', description: 'RUNNING (default), PAUSED or STOPPED' },
      },
      async run(ctx) {
        const name = ctx.args[0]!;
        const state = ctx.options['initial-state'];
        const res = await ctx.client.createConnector(name, configInput(ctx, name), typeof state === 'string' ? state : undefined);
        ctx.show(res, (info) => `Created connector ${name}${info?.type ? ` (${info.type})` : ''}.`);
      },
    },
    {
      path: ['connectors', 'update'], usage: '<name> [key=value ...]', summary: "replace (or with --merge, change) a connector's config",
      args: { min: 1 },
      details: [
        'Sends PUT /connectors/<name>/config with the whole config (creating the connector if it does not exist):',
        'keys not given are removed. With --merge, sends PATCH /connectors/<name>/config with only the given keys.',
      ].join('\n'),
      options: {
        file: FILE_OPTION,
        merge: { type: 'boolean', description: 'change only the given keys (PATCH) instead of replacing the config' },
      },
      async run(ctx) {
        const name = ctx.args[0]!;
        const config = configInput(ctx, name);
        if (ctx.options['merge'] === true) {
          const res = await ctx.client.patchConnectorConfig(name, config);
          ctx.show(res, () => `Updated connector ${name} (${Object.keys(config).length} key(s) changed).`);
          return;
        }
        const res = await ctx.client.putConnectorConfig(name, config);
        ctx.show(res, () => (res.status === 201 ? `Created connector ${name}.` : `Updated connector ${name}.`));
      },
    },
    connectorAction({
      verb: 'delete', summary: 'stop and delete a connector',
      details: 'Sends DELETE /connectors/<name>.',
      send: (client, name) => client.deleteConnector(name), done: 'Deleted',
    }),
    connectorAction({
      verb: 'pause', summary: 'pause a connector and its tasks',
      details: 'Sends PUT /connectors/<name>/pause.',
      send: (client, name) => client.pauseConnector(name), done: 'Paused',
    }),
    connectorAction({
      verb: 'resume', summary: 'resume a paused or stopped connector',
      details: 'Sends PUT /connectors/<name>/resume.',
      send: (client, name) => client.resumeConnector(name), done: 'Resumed',
    }),
    connectorAction({
      verb: 'stop', summary: 'stop a connector, keeping its config (offsets can then be changed)',
      details: 'Sends PUT /connectors/<name>/stop. Unlike RocketMQ Connect, stop does not delete; use `delete` for that.',
      send: (client, name) => client.stopConnector(name), done: 'Stopped',
    }),
    {
      path: ['connectors', 'restart'], usage: '<name>', summary: 'restart a connector (and its tasks)', args: { min: 1, max: 1 },
      details: 'Sends POST /connectors/<name>/restart?includeTasks=<bool>&onlyFailed=<bool>.',
      options: {
        'include-tasks': { type: 'boolean', description: 'restart the tasks too' },
        'only-failed': { type: 'boolean', description: 'restart only instances that are FAILED' },
      },
      async run(ctx) {
        const name = ctx.args[0]!;
        const res = await ctx.client.restartConnector(name, { includeTasks: ctx.options['include-tasks'] === true, onlyFailed: ctx.options['only-failed'] === true });
        ctx.show(res, (status) => (status ? `Restarting connector ${name}.\n\n${renderStatus(status)}` : `Restarted connector ${name}.`));
      },
    },
    {
      path: ['connectors', 'status'], usage: '<name>', summary: 'show the state of a connector and its tasks, with error traces', args: { min: 1, max: 1 },
      details: 'Sends GET /connectors/<name>/status.',
      async run(ctx) {
        ctx.show(await ctx.client.connectorStatus(ctx.args[0]!), renderStatus);
      },
    },
    {
      path: ['tasks', 'list'], usage: '<name>', summary: "show a connector's task configs", args: { min: 1, max: 1 },
      details: 'Sends GET /connectors/<name>/tasks.',
      async run(ctx) {
        ctx.show(await ctx.client.taskConfigs(ctx.args[0]!), (tasks: TaskInfo[] | undefined) => {
          if (!tasks || tasks.length === 0) return 'No tasks.';
          return tasks.map((t) => {
            const keys = Object.keys(t.config).sort();
            return `Task ${t.id.task}\n${indent(renderTable(['KEY', 'VALUE'], keys.map((k) => [k, t.config[k] ?? ''])))}`;
          }).join('\n\n');
        });
      },
    },
    {
      path: ['tasks', 'status'], usage: '<name> <id>', summary: 'show the state of one task', args: { min: 2, max: 2 },
      details: 'Sends GET /connectors/<name>/tasks/<id>/status.',
      async run(ctx) {
        ctx.show(await ctx.client.taskStatus(ctx.args[0]!, taskId(ctx.args[1]!)), (t) => {
          if (!t) return '';
          const kv = renderKeyValues([['Task', `${ctx.args[0]} ${t.id}`], ['State', String(t.state)], ['Worker', t.worker_id]]);
          return t.trace ? `${kv}\n\nTrace:\n${indent(t.trace)}` : kv;
        });
      },
    },
    {
      path: ['tasks', 'restart'], usage: '<name> <id>', summary: 'restart one task', args: { min: 2, max: 2 },
      details: 'Sends POST /connectors/<name>/tasks/<id>/restart.',
      async run(ctx) {
        const id = taskId(ctx.args[1]!);
        ctx.show(await ctx.client.restartTask(ctx.args[0]!, id), () => `Restarted task ${id} of connector ${ctx.args[0]}.`);
      },
    },
    {
      path: ['plugins', 'list'], usage: '', summary: 'list the installed connector plugins', args: { min: 0, max: 0 },
      details: 'Sends GET /connector-plugins?connectorsOnly=true.',
      async run(ctx) {
        ctx.show(await ctx.client.plugins(), (plugins) => {
          if (!plugins || plugins.length === 0) return 'No plugins.';
          return renderTable(['CLASS', 'TYPE', 'VERSION', 'ALIASES'], plugins.map((p) => [p.class, p.type, p.version, (p.aliases ?? []).join(', ')]));
        });
      },
    },
    {
      path: ['plugins', 'reload'], usage: '', summary: 'rescan pluginPaths and load new or changed plugins', args: { min: 0, max: 0 },
      details: 'Sends POST /plugin/reload. Plugins that fail to load are listed with their error; the others stay usable.',
      async run(ctx) {
        ctx.show(await ctx.client.reloadPlugins(), (body) => {
          const plugins = unwrapRocketMq<PluginInfo[]>(body) ?? [];
          const errors = body?.errors ?? [];
          const lines = [`Reloaded: ${plugins.length} plugin(s) loaded.`];
          if (errors.length > 0) lines.push('', `${errors.length} plugin(s) failed to load:`, renderTable(['LOCATION', 'ERROR'], errors.map((e) => [e.location, firstLine(e.message)])));
          return lines.join('\n');
        });
      },
    },
    {
      path: ['offsets', 'get'], usage: '<name>', summary: "show a connector's committed source positions or sink offsets", args: { min: 1, max: 1 },
      details: 'Sends GET /connectors/<name>/offsets. With --json the output can be edited and fed to `offsets set`.',
      async run(ctx) {
        ctx.show(await ctx.client.offsets(ctx.args[0]!), renderOffsets);
      },
    },
    {
      path: ['offsets', 'reset'], usage: '<name>', summary: "forget a connector's offsets (the connector must be stopped)", args: { min: 1, max: 1 },
      details: 'Sends DELETE /connectors/<name>/offsets. Stop the connector first: tributary connectors stop <name>.',
      async run(ctx) {
        ctx.show(await ctx.client.resetOffsets(ctx.args[0]!), messageOr(`Reset the offsets of connector ${ctx.args[0]}.`));
      },
    },
    {
      path: ['offsets', 'set'], usage: '<name> --file <offsets.json>', summary: "change a connector's offsets (the connector must be stopped)", args: { min: 1, max: 1 },
      details: 'Sends PATCH /connectors/<name>/offsets with the file: {"offsets": [{"partition": {...}, "offset": {...}}]}, as `offsets get --json` prints it. An offset of null removes that partition.',
      options: { file: { type: 'string', short: 'f', valueName: '<file>', description: 'JSON file with the offsets (required)' } },
      async run(ctx) {
        const file = ctx.options['file'];
        if (typeof file !== 'string') throw new UsageError('offsets set needs --file <offsets.json>; get the current ones with: tributary offsets get <name> --json');
        const body = offsetsFromFile(file, ctx.readFile(file));
        ctx.show(await ctx.client.alterOffsets(ctx.args[0]!, body), messageOr(`Changed the offsets of connector ${ctx.args[0]}.`));
      },
    },
    {
      path: ['cluster'], usage: '', summary: 'list the workers of the cluster', args: { min: 0, max: 0 },
      details: 'Sends GET /getClusterInfo.',
      async run(ctx) {
        ctx.show(await ctx.client.clusterInfo(), (body) => {
          const workers = unwrapRocketMq<WorkerInfo[] | unknown>(body);
          if (!Array.isArray(workers)) return renderGeneric(workers);
          return renderTable(['WORKER', 'URL', 'TRANSPORT', 'VERSION', 'STARTED'], (workers as Partial<WorkerInfo>[]).map((w) => [
            cellText(w.workerId), cellText(w.url), cellText(w.transport), cellText(w.version),
            typeof w.startedAt === 'number' ? new Date(w.startedAt).toISOString() : cellText(w.startedAt),
          ]));
        });
      },
    },
  ];
}
