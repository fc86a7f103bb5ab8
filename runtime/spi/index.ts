// The plugin SPI: the only module a connector plugin imports (as `tributary/spi`). It grows only by
// optional members with defaults, so plugins written against an older version keep working.

export * from './errors';
export * from './config-def';
export * from './schema';
export * from './record';
export * from './converter';
export * from './transform';
export * from './context';
export * from './task';
export * from './batch-sink-task';
export * from './connector';
