export * from './errors';
export * from './keys';
export * from './profiles';
export * from './session';
export * from './tokenEndpoint';
export * from './tokenMemory';
