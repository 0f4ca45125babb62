export * from './client';
export * from './connect';
export * from './environments';
export * from './resources';
