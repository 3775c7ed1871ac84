export * from './events.ts';
export * from './ics.ts';
export * from './feed.ts';
