export { createCreditsService, type CreditLedgerView, type CreditPackageView, type CreditSummary, type CreditsService } from './service.ts';
export { NO_CREDIT_LEFT, readLedger, reserveCreditCall, settleSessionCredit, tellCoachNoCredits } from './ledger.ts';
export * from './rules.ts';
export { createPackageInput, grantCreditsInput, listLedgerInput, listPackagesInput } from './inputs.ts';
export type { CreatePackageInput, GrantCreditsInput, ListLedgerInput, ListPackagesInput } from './inputs.ts';
