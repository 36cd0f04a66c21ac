// Kept for test/e2e, which imports it: everything is test/support's.
export * from './support/index.js';
