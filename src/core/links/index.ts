export { createLinkService, type ChatIdentityView, type IssuedLinkCode, type LinkResult, type LinkService } from './service.ts';
export { CODE_ALPHABET, CODE_LENGTH, CODE_TTL_MS, GUESSES_OVERALL, GUESSES_PER_ACCOUNT, ACCOUNT_WINDOW_MS, OVERALL_WINDOW_MS } from './rules.ts';
