export * from './windows.ts';
export * from './service.ts';
