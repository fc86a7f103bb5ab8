import { describe, expect, it } from 'vitest';
import { parseProperties, propertiesToMap, serializeProperties } from '../../../runtime/config/properties';
import { ConfigError } from '../../../runtime/spi';

function map(text: string): Record<string, string> {
  return propertiesToMap(parseProperties(text));
}

function parseError(text: string, source = 'x.conf'): ConfigError {
  try {
    parseProperties(text, { source });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseProperties', () => {
  it('parseProperties separators =, : and whitespace all split key from value', () => {
    expect(map('a=1\nb: 2\nc 3\nd   =   4\ne:=5\nf = =6\n\tg\t\t7')).toEqual({ a: '1', b: '2', c: '3', d: '4', e: '=5', f: '=6', g: '7' });
  });

  it('parseProperties comments and blank lines are skipped, also when indented', () => {
    expect(map('# comment\n! bang comment\n   # indented\n\n   \nkey=value # not a comment')).toEqual({ key: 'value # not a comment' });
  });

  it('parseProperties a key without value or with an empty value gives the empty string', () => {
    expect(map('alone\nempty=\nspaced =   ')).toEqual({ alone: '', empty: '', spaced: '' });
  });

  it('parseProperties leading whitespace is trimmed, trailing whitespace of values kept (as Java)', () => {
    expect(map('   key=value  ')).toEqual({ key: 'value  ' });
  });

  it('parseProperties trailing backslash continues the line and drops the next line\'s indentation', () => {
    expect(map('list = a, \\\n        b, \\\n        c\nnext=1')).toEqual({ list: 'a, b, c', next: '1' });
  });

  it('parseProperties an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
    expect(map('path=c:\\\\dir\\\\\nnext=1')).toEqual({ path: 'c:\\dir\\', next: '1' });
  });

  it('parseProperties a comment line ending in a backslash does not continue', () => {
    expect(map('# comment \\\nkey=value')).toEqual({ key: 'value' });
  });

  it('parseProperties a continuation line starting with # is value, not comment', () => {
    expect(map('key=a\\\n  #b')).toEqual({ key: 'a#b' });
  });

  it('parseProperties a backslash at end of input is dropped', () => {
    expect(map('key=value\\')).toEqual({ key: 'value' });
  });

  it('parseProperties escapes \\t \\n \\r \\f \\\\ \\uXXXX and escaped separators decode', () => {
    expect(map('k=a\\tb\\nc\\rd\\fe\\\\f\\u00e9\\u4E2D\nmy\\ key\\=x\\:y=v\\=w\nother=\\q')).toEqual({
      k: 'a\tb\nc\rd\fe\\fé中',
      'my key=x:y': 'v=w',
      other: 'q',
    });
  });

  it('parseProperties a value may start with an escaped space', () => {
    expect(map('k=\\  padded')).toEqual({ k: '  padded' });
  });

  it('parseProperties CRLF, CR and LF line ends and a BOM are all accepted', () => {
    expect(map('\uFEFFa=1\r\nb=2\rc=3\nd=4')).toEqual({ a: '1', b: '2', c: '3', d: '4' });
  });

  it('parseProperties entries carry the line they start on', () => {
    const entries = parseProperties('# header\n\na=1\nb=x \\\n  y\nc=3\n');
    expect(entries).toEqual([
      { key: 'a', value: '1', line: 3 },
      { key: 'b', value: 'x y', line: 4 },
      { key: 'c', value: '3', line: 6 },
    ]);
  });

  it('parseProperties duplicate key throws ConfigError naming the key, both lines and the source', () => {
    const err = parseError('httpPort=1\n# x\nworkerId=w\nhttpPort=2\n');
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('x.conf');
    expect(err.message).toContain('httpPort');
    expect(err.message).toContain('line 1');
    expect(err.message).toContain('line 4');
    expect(err.errors).toEqual([{ name: 'httpPort', message: expect.stringContaining('given twice') }]);
  });

  it('parseProperties keys differing only by escapes are the same key', () => {
    expect(parseError('a\\ b=1\na\\u0020b=2').message).toContain('given twice');
    expect(parseError('k=1\n\\k=2').message).toContain('given twice');
    expect(map('a\\ b=1\na b=2')).toEqual({ 'a b': '1', a: 'b=2' });
  });

  it('parseProperties malformed \\u escape names the line and how to fix it', () => {
    const err = parseError('ok=1\nbad=\\u12G4');
    expect(err.message).toContain('line 2');
    expect(err.message).toContain('\\u12G4');
    expect(err.message).toContain('four hex digits');
  });
});

describe('serializeProperties', () => {
  it('serializeProperties plain map writes key=value lines', () => {
    expect(serializeProperties({ a: '1', 'b.c': 'x y' })).toBe('a=1\nb.c=x y\n');
  });

  it('serializeProperties keeps host:port readable in values and escapes separators in keys', () => {
    expect(serializeProperties({ 'a=b:c': '127.0.0.1:8081' })).toBe('a\\=b\\:c=127.0.0.1:8081\n');
  });

  it('serializeProperties header, comments and commented-out entries', () => {
    const text = serializeProperties(
      [
        { key: 'a', value: '1', comment: 'first\nsecond' },
        { key: 'b', value: '', comment: 'optional', commentedOut: true },
      ],
      { header: 'Title\n\nmore' },
    );
    expect(text).toBe('# Title\n#\n# more\n\n# first\n# second\na=1\n\n# optional\n#b=\n');
    expect(map(text)).toEqual({ a: '1' });
  });

  it('serializeProperties round-trips awkward keys and values through parseProperties', () => {
    const awkward: Record<string, string> = {
      'key with spaces': ' leading and trailing ',
      '#hash': '!bang',
      '!bang': '#hash',
      'eq=colon:': '=starts with separator',
      colon: ':also',
      backslash: 'c:\\dir\\',
      newline: 'line1\nline2\r\n\tindented',
      unicode: 'é 中 😀',
      control: '\u0001\u007f',
      empty: '',
      '': 'empty key',
      'trailing\\': 'x\\',
    };
    expect(map(serializeProperties(awkward))).toEqual(awkward);
  });
});
