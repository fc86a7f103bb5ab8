import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePluginManifest, readPluginManifest } from '../../../runtime/plugins/plugin-manifest';

const file = path.resolve('/plugins/acme/package.json');

function errorOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('parsePluginManifest', () => {
  it('parsePluginManifest valid manifest returns connectors with aliases and the package dir', () => {
    const m = parsePluginManifest(
      {
        name: '@acme/plugin',
        version: '1.0.0',
        tributary: { connectors: [{ class: 'file-sink', module: './file-sink', export: 'FileSinkConnector', aliases: ['FileSinkConnector', 'file-sink', 'org.apache.rocketmq.connect.file.FileSinkConnector'] }] },
      },
      file,
    );
    expect(m).toEqual({
      name: '@acme/plugin',
      version: '1.0.0',
      dir: path.dirname(file),
      file,
      connectors: [{ class: 'file-sink', module: './file-sink', export: 'FileSinkConnector', aliases: ['FileSinkConnector', 'org.apache.rocketmq.connect.file.FileSinkConnector'] }],
    });
  });

  it('parsePluginManifest package without the tributary key returns undefined', () => {
    expect(parsePluginManifest({ name: 'lodash' }, file)).toBeUndefined();
  });

  it('parsePluginManifest invalid manifest lists every problem with file and field', () => {
    const err = errorOf(() =>
      parsePluginManifest(
        {
          tributary: {
            connectors: [{ class: '1bad', module: 'lib/x', export: 'not-an-identifier', aliases: 'X', extra: 1 }],
            other: true,
          },
        },
        file,
      ),
    );
    expect(err.code).toBe('PLUGIN_LOAD_FAILED');
    for (const part of [file, 'name:', 'tributary.other: unknown key', 'tributary.connectors[0].extra: unknown key', 'tributary.connectors[0].class', 'tributary.connectors[0].module', 'tributary.connectors[0].export', 'tributary.connectors[0].aliases']) {
      expect(err.message).toContain(part);
    }
  });

  it('parsePluginManifest module outside the package dir is rejected', () => {
    const err = errorOf(() => parsePluginManifest({ name: 'x', tributary: { connectors: [{ class: 'a', module: './../evil', export: 'A' }] } }, file));
    expect(err.message).toContain('points outside the package directory');
  });

  it('parsePluginManifest empty or missing connectors is rejected', () => {
    expect(errorOf(() => parsePluginManifest({ name: 'x', tributary: {} }, file)).message).toContain('tributary.connectors: expected a non-empty array');
    expect(errorOf(() => parsePluginManifest({ name: 'x', tributary: { connectors: [] } }, file)).message).toContain('tributary.connectors: expected a non-empty array');
    expect(errorOf(() => parsePluginManifest({ name: 'x', tributary: 'yes' }, file)).message).toContain('tributary: expected an object');
  });

  it('parsePluginManifest duplicate class or alias within one manifest is rejected', () => {
    const dupClass = errorOf(() =>
      parsePluginManifest({ name: 'x', tributary: { connectors: [{ class: 'a', module: './a', export: 'A' }, { class: 'a', module: './b', export: 'B' }] } }, file),
    );
    expect(dupClass.message).toContain('connector class "a" is declared twice');
    const dupAlias = errorOf(() =>
      parsePluginManifest(
        { name: 'x', tributary: { connectors: [{ class: 'a', module: './a', export: 'A', aliases: ['Z'] }, { class: 'b', module: './b', export: 'B', aliases: ['Z'] }] } },
        file,
      ),
    );
    expect(dupAlias.message).toContain('name "Z" is used by both connector "a" and connector "b"');
  });

  it('readPluginManifest invalid JSON names the file', () => {
    const broken = path.resolve(__dirname, '../../fixtures/plugins/invalid-json/package.json');
    const err = errorOf(() => readPluginManifest(broken));
    expect(err.code).toBe('PLUGIN_LOAD_FAILED');
    expect(err.message).toContain(broken);
    expect(err.message).toContain('not valid JSON');
  });
});
