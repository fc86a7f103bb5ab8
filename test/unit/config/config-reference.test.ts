import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractConfigSection, renderConfigReference, renderConfigSection, renderPropertiesTemplate } from '../../../runtime/config/config-reference';
import { parseProperties, propertiesToMap } from '../../../runtime/config/properties';
import { workerConfigDef } from '../../../runtime/config/worker-config';
import { ConfigDef, validators } from '../../../runtime/spi';
import { defaultConfHeader, generatedFiles, main as genMain, workerSection } from '../../../scripts/gen-config-docs';

const REPO = join(__dirname, '..', '..', '..');
const REGENERATE = 'run: npx tsc -p . && node dist/scripts/gen-config-docs.js';

function sampleDef(): ConfigDef {
  return new ConfigDef([
    { name: 'connector.class', type: 'class', doc: 'Plugin to run.', aliases: ['connector-class'], importance: 'high', group: 'Common' },
    { name: 'tasks.max', type: 'int', default: 1, validator: validators.range(1), accepted: '>= 1', doc: 'Most tasks | at once <b>.', group: 'Common' },
    { name: 'secret', type: 'password', default: 'x', doc: 'A secret.', group: 'Auth' },
    { name: 'opt', type: 'string', default: null, doc: 'Optional.', group: 'Auth' },
  ]);
}

describe('docs/configuration.md', () => {
  it('docs/configuration.md worker section is what the generator produces (else regenerate)', () => {
    const file = readFileSync(join(REPO, 'docs', 'configuration.md'), 'utf8');
    const section = extractConfigSection(file, 'worker');
    expect(section, `docs/configuration.md has no worker section; ${REGENERATE}`).toBeDefined();
    expect(section, `docs/configuration.md is out of date; ${REGENERATE}`).toBe(renderConfigSection(workerSection()));
  });

  it('every generated file (all sections: worker, connector framework keys, built-in plugins) is up to date', () => {
    for (const f of generatedFiles()) {
      expect(readFileSync(join(REPO, f.path), 'utf8'), `${f.path} is out of date; ${REGENERATE}`).toBe(f.content);
    }
  });

  it('conf/connect-standalone.conf is what the generator produces (else regenerate)', () => {
    const file = readFileSync(join(REPO, 'conf', 'connect-standalone.conf'), 'utf8');
    expect(file, `conf/connect-standalone.conf is out of date; ${REGENERATE}`).toBe(renderPropertiesTemplate(workerConfigDef(), { header: defaultConfHeader() }));
  });

  it('docs/configuration.md worker section documents every worker key', () => {
    const section = renderConfigSection(workerSection());
    // A row starts with the key (then `|`, or `<br>` and its aliases).
    for (const k of workerConfigDef().keys()) expect(section).toMatch(new RegExp(`^\\| \`${k.name}\`( \\||<br>alias)`, 'm'));
    expect(section).toContain('TRIBUTARY_HTTPPORT=0');
    expect(section).toContain('not against the directory of the config file');
  });
});

describe('renderConfigReference', () => {
  it('renderConfigReference sections are marked, so each one can be extracted and compared alone', () => {
    const doc = renderConfigReference([workerSection(), { id: 'sample', title: 'Sample connector', intro: 'Intro.', def: sampleDef() }]);
    expect(extractConfigSection(doc, 'worker')).toBe(renderConfigSection(workerSection()));
    const sample = extractConfigSection(doc, 'sample')!;
    expect(sample.startsWith('<!-- section: sample -->\n## Sample connector')).toBe(true);
    expect(sample.endsWith('<!-- /section: sample -->')).toBe(true);
    expect(doc).toContain('- [Sample connector](#sample-connector)');
    expect(extractConfigSection(doc, 'absent')).toBeUndefined();
  });

  it('renderConfigReference table lists type, default, accepted values, importance, doc and aliases', () => {
    const s = renderConfigSection({ title: 'Sample', intro: '', def: sampleDef() });
    expect(s).toContain('<!-- section: sample -->');
    expect(s).toContain('| Key | Type | Default | Accepted values | Importance | Description |');
    expect(s).toContain('| `connector.class`<br>alias: `connector-class` | class | *required* | a plugin class name or alias | high | Plugin to run. |');
    expect(s).toContain('| `tasks.max` | int | `1` | >= 1 | medium | Most tasks \\| at once &lt;b>. |');
    expect(s).toContain('| `secret` | password | *hidden* |');
    expect(s).toContain('| `opt` | string | *unset* |');
    expect(s).toContain('### Common');
    expect(s).toContain('### Auth');
  });

  it('renderConfigReference refuses two sections with the same id', () => {
    expect(() => renderConfigReference([workerSection(), workerSection()])).toThrow(/used twice/);
  });
});

describe('renderPropertiesTemplate', () => {
  it('renderPropertiesTemplate sets every defaulted key to its default and comments out unset ones', () => {
    const text = renderPropertiesTemplate(workerConfigDef(), { header: 'h' });
    const values = propertiesToMap(parseProperties(text));
    for (const k of workerConfigDef().keys()) {
      if (k.default === null) {
        expect(values[k.name]).toBeUndefined();
        expect(text).toContain(`#${k.name}=`);
      } else {
        expect(values[k.name], k.name).toBe(Array.isArray(k.default) ? k.default.join(',') : String(k.default));
      }
    }
  });
});

describe('gen-config-docs', () => {
  it('gen-config-docs --check fails on a stale tree, writes it, then passes', () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-gen-docs-'));
    try {
      const sink = { text: '', write(s: string) { this.text += s; } };
      expect(genMain(['--check', '--root', root], sink, sink)).toBe(1);
      expect(sink.text).toContain('docs/configuration.md');
      expect(existsSync(join(root, 'docs', 'configuration.md'))).toBe(false);
      expect(genMain(['--root', root], sink, sink)).toBe(0);
      for (const f of generatedFiles()) expect(readFileSync(join(root, f.path), 'utf8')).toBe(f.content);
      expect(genMain(['--check', '--root', root], sink, sink)).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
