export { generateToken, hashToken, tokenPrefix, TOKEN_MARK, LAST_USED_RESOLUTION_MS } from './rules.ts';
export {
  createTokenService,
  createTokenInput,
  issueTokenInput,
  listTokensInput,
  writeToken,
  type TokenService,
  type TokenView,
  type IssuedToken,
  type Authenticated,
} from './service.ts';
export { createOperatorService, LOCAL_ADMIN_EMAIL, type OperatorService } from './operator.ts';
