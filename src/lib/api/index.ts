export * from './errors';
export * from './chat';
export * from './sessions';
export * from './health';
