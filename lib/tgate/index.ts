export * from './client';
export * from './errors';
export * from './connect';
export * from './environments';
export * from './grantFlow';
export * from './paging';
export * from './resources';
export * from './records';
