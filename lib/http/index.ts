export * from './client';
export * from './errors';
export * from './redact';
export * from './retry';
export * from './secrets';
export * from './pathSegment';
export * from './depth';
