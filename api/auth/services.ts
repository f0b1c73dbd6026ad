// What the auth service's app is given (its deps) and what each of its handlers receives (its
// services, built once in app.ts), with the handler's context type that route files declare.
import type { DatabasePool } from 'slonik';
import type { Config } from '../../config/index.js';
import type { PasswordHasher } from '../../core/auth/passwords.js';
import type { SigningKeys } from '../../core/auth/signing-keys.js';
import type { HandlerContext, RouteInput } from '../shared/route.js';
import type { ServiceDeps } from '../shared/runtime.js';
import type { LoginThrottle } from './login-throttle.js';
import type { TokenPairs } from './token-pairs.js';

export interface AuthAppDeps extends ServiceDeps {
  keys: SigningKeys;
}

export interface AuthServices {
  pool: DatabasePool;
  config: Config;
  /** The keys access tokens are signed with; their public halves are the JWKS. */
  keys: SigningKeys;
  passwords: PasswordHasher;
  tokens: TokenPairs;
  /** The one throttle on password guesses (logins and change-password). */
  throttle: LoginThrottle;
  /** What the other services send to read the accounts in the ended-session feed (service-credential.ts). */
  serviceCredential: string;
}

/** An auth handler's parameter, for a route whose input is `I`. */
export type AuthContext<I extends RouteInput> = HandlerContext<AuthServices, I>;
