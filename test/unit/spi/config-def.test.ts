import { describe, expect, it } from 'vitest';
import { defineConfig, validators } from '../../../runtime/spi';

// The typed definition: parsed values carry the types their declarations imply (checked by tsc where they
// are read without casts, e.g. hudiSinkSettings); here, that the values themselves are what those types say.
const def = () =>
  defineConfig([
    { name: 'mode', type: 'string', default: 'a', validator: validators.oneOf('a', 'b'), doc: 'Mode.' },
    { name: 'count', type: 'int', doc: 'Count.' },
    { name: 'tags', type: 'list', default: ['x'], doc: 'Tags.' },
    { name: 'label', type: 'string', default: null, doc: 'Label.' },
  ]);

describe('defineConfig', () => {
  it('defineConfig parse gives each key a value of its declared type', () => {
    const p = def().parse({ mode: 'b', count: '3' });
    const mode: 'a' | 'b' = p['mode'];
    const count: number = p['count'];
    const tags: string[] = p['tags'];
    const label: string | undefined = p['label'];
    expect({ mode, count, tags, label }).toEqual({ mode: 'b', count: 3, tags: ['x'], label: undefined });
  });

  it('defineConfig parse gives each parse its own copy of a list default', () => {
    const d = def();
    d.parse({ count: '1' })['tags'].push('y');
    expect(d.parse({ count: '1' })['tags']).toEqual(['x']);
  });

  it('validators.oneOf names its values and refuses others', () => {
    const v = validators.oneOf('a', 'b');
    expect(v.values).toEqual(['a', 'b']);
    expect(v('c', 'mode')).toBe('accepted values are a, b');
    expect(() => def().parse({ mode: 'c', count: '1' })).toThrow(/mode/);
  });
});
