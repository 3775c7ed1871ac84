export * from './rules.ts';
export { createAccessService, grantInput, grantRoleDefaults, type AccessService } from './service.ts';
