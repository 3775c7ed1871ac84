export * from './rules.ts';
export { createAccessService, grantRoleDefaults, type AccessService } from './service.ts';
