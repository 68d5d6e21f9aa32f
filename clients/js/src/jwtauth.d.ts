// Type declarations for @jwtauth/client (src/jwtauth.js).

/** The user object the server returns from `login/` and `user/`. */
export interface AuthUser {
  id: number | string;
  username: string;
  [field: string]: unknown;
}

/** Minimal Web Locks surface the client uses (`navigator.locks`). */
export interface LockManagerLike {
  request<T>(name: string, callback: (lock: unknown) => T | Promise<T>): Promise<T>;
  request<T>(
    name: string,
    options: { ifAvailable?: boolean; mode?: "exclusive" | "shared" },
    callback: (lock: unknown | null) => T | Promise<T>,
  ): Promise<T>;
}

/** Minimal BroadcastChannel surface the client uses. */
export interface BroadcastChannelLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

export interface AuthClientOptions {
  /** Auth API base, e.g. "http://localhost:8000/api/auth/". Default "/api/auth/". */
  baseUrl?: string;
  /** fetch implementation. Default: globalThis.fetch. */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** Name of the BroadcastChannel; the Web Lock is `${channelName}:refresh`. Default "jwtauth". */
  channelName?: string;
  /** Refresh this many seconds before expiry (at most half the lifetime). Default 30. */
  refreshSkewSeconds?: number;
  /** Backoff delays for retrying a refresh after a network error, 5xx or 429. Default [1000, 2000, 4000]. */
  retryDelaysMs?: number[];
  /** After a background refresh gave up, try again this much later. Default 30000. */
  backgroundRetryMs?: number;
  /** Refresh on a timer before expiry (otherwise only when fetch() needs it). Default true. */
  autoRefresh?: boolean;
  /** Extra origins allowed to receive the access token. The baseUrl's origin is always allowed. */
  tokenOrigins?: string[];
  /** Name of the CSRF cookie read as a fallback. Default "csrftoken". */
  csrfCookieName?: string;
  /** Cookie reader used for the CSRF fallback. Default: parses document.cookie. */
  readCookie?: (name: string) => string | null;
  /** Clock in ms since the epoch. Default Date.now. */
  now?: () => number;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
  /** Web Locks. Default navigator.locks; null disables. */
  locks?: LockManagerLike | null;
  /** BroadcastChannel constructor. Default globalThis.BroadcastChannel; null disables. */
  BroadcastChannel?: (new (name: string) => BroadcastChannelLike) | null;
  /** Time a tab that waited on the lock gives the holder's broadcast to arrive. Default 50. */
  lockSettleMs?: number;
  /** Without Web Locks: how long tabs collect rival refresh claims. Default 100. */
  claimWindowMs?: number;
  /** Without Web Locks: how long to wait for a peer's refresh before doing it ourselves. Default 10000. */
  peerRefreshTimeoutMs?: number;
  /** Identifier of this tab (claims tie-break). Default: a random UUID. */
  tabId?: string;
  /**
   * Bind the session to a non-extractable ES256 key of this origin (DPoP, RFC 9449): proofs on
   * login, refresh and every API call. Needs the server's `DPOP` setting. Default false.
   */
  dpop?: boolean;
  /** Where the key pair (the CryptoKey objects, never exported bytes) is kept. Default: IndexedDB. */
  dpopKeyStore?: DPoPKeyStore | null;
  /** WebCrypto. Default globalThis.crypto.subtle; null: no proofs (bearer, if the server allows). */
  subtle?: SubtleCrypto | null;
}

/** Storage for the origin's DPoP key pair; the stored value is a CryptoKeyPair. */
export interface DPoPKeyStore {
  load(): Promise<CryptoKeyPair | null>;
  save(keyPair: CryptoKeyPair): Promise<void>;
  clear(): Promise<void>;
}

/** Makes DPoP proofs with the origin's key (created on first use, shared through the store). */
export declare class DPoPSigner {
  constructor(options?: {
    subtle?: SubtleCrypto | null;
    store?: DPoPKeyStore | null;
    now?: () => number;
    lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  });
  /** False when WebCrypto cannot make ES256 keys. */
  readonly isSupported: boolean;
  /** RFC 7638 thumbprint of the current key, or null before one is loaded. */
  readonly jkt: string | null;
  ensureKey(options?: { expectedJkt?: string | null }): Promise<boolean>;
  /** A DPoP proof JWT for one request, or null without WebCrypto ES256. */
  proof(method: string, url: string, options?: { accessToken?: string | null; nonce?: string | null }): Promise<string | null>;
  /** Drop this tab's copy of the key. */
  forget(): void;
  /** Forget the key and clear the store: the next login makes a new key. */
  reset(): Promise<void>;
}

/** The key store in IndexedDB (null where IndexedDB is missing). */
export declare function indexedDbKeyStore(indexedDB?: IDBFactory): DPoPKeyStore | null;
/** A key store in memory (one tab; lost on reload). */
export declare function memoryKeyStore(): DPoPKeyStore;

export type EventSource = "local" | "remote" | "restore";
export type LogoutReason = "local" | "remote" | "refresh_failed";

export interface LoginEvent {
  type: "login";
  user: AuthUser | null;
  source: EventSource;
}
export interface RefreshEvent {
  type: "refresh";
  /** ms since the epoch */
  expiresAt: number;
  source: "local" | "remote";
}
export interface TokenEvent {
  type: "token";
  /** ms since the epoch; null once logged out */
  expiresAt: number | null;
  source: "local" | "remote";
}
export interface LogoutEvent {
  type: "logout";
  reason: LogoutReason;
  /** true after logoutAll() (here or in another tab) */
  everywhere: boolean;
  /** refresh_failed: the server's code; remote: the other tab's reason */
  cause: string | null;
}
export interface AuthErrorEvent {
  type: "error";
  error: unknown;
  during: "background_refresh" | "restore" | "accept_login";
}

export interface AuthClientEventMap {
  login: LoginEvent;
  refresh: RefreshEvent;
  token: TokenEvent;
  logout: LogoutEvent;
  error: AuthErrorEvent;
}

export declare class AuthClientError extends Error {
  constructor(
    message: string,
    info?: {
      status?: number;
      code?: string;
      detail?: string;
      isRetryable?: boolean;
      retryAfterSeconds?: number | null;
      cause?: unknown;
    },
  );
  /** HTTP status, or 0 when the server was not reached. */
  readonly status: number;
  /** Server code (e.g. "invalid_credentials", "throttled") or "network_error" / "bad_response". */
  readonly code: string;
  readonly detail: string;
  readonly isRetryable: boolean;
  readonly retryAfterSeconds: number | null;
}

export declare class AuthClient {
  constructor(options?: AuthClientOptions);
  readonly isAuthenticated: boolean;
  readonly user: AuthUser | null;
  /** ms since the epoch, or null when logged out. */
  readonly expiresAt: number | null;
  /** For transports fetch() cannot cover (e.g. WebSocket). Never store the result. */
  getAccessToken(): string | null;
  /** "DPoP" when the session is bound to this origin's key, else "Bearer". */
  readonly tokenType: "Bearer" | "DPoP";
  /** A DPoP proof bound to the current access token, for requests fetch() does not send. */
  createDPoPProof(method: string, url: string): Promise<string | null>;

  login(username: string, password: string): Promise<AuthUser>;
  /**
   * Adopt the tokens of a login made by another endpoint of the same server (django-allauth
   * headless with `jwtauth.contrib.allauth`: its response's `meta`; that response set the refresh
   * cookie). Then `GET user/`, a `login` event (source "local") and the other tabs are told.
   * Rejects with `bad_response` when `tokens` has no `access_token`.
   */
  acceptLogin(tokens: {
    access_token: string;
    token_type?: string;
    expires_in: number;
    csrf_token?: string;
    [field: string]: unknown;
  }): Promise<AuthUser | null>;
  /** On page load: refresh from the cookie (CSRF token from memory, the cookie, else GET csrf/), then GET user/. */
  restore(): Promise<AuthUser | null>;
  refresh(): Promise<boolean>;
  /** Forget the token, tell other tabs, then POST logout/ (a stale CSRF token gets one retry). True if confirmed. */
  logout(): Promise<boolean>;
  logoutAll(): Promise<void>;
  /**
   * POST reauthenticate/ with the password after a 403 `reauthentication_required`; the new
   * access token (auth_time now) replaces the old one. Rejects with `invalid_credentials`
   * (the session stays logged in) or `throttled`.
   */
  reauthenticate(password: string): Promise<void>;
  getUser(): Promise<AuthUser | null>;
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  destroy(): void;

  on<K extends keyof AuthClientEventMap>(type: K, listener: (event: AuthClientEventMap[K]) => void): () => void;
  off<K extends keyof AuthClientEventMap>(type: K, listener: (event: AuthClientEventMap[K]) => void): void;
  addEventListener<K extends keyof AuthClientEventMap>(
    type: K,
    listener: (event: AuthClientEventMap[K]) => void,
  ): void;
  removeEventListener<K extends keyof AuthClientEventMap>(
    type: K,
    listener: (event: AuthClientEventMap[K]) => void,
  ): void;
}

export declare function createAuthClient(options?: AuthClientOptions): AuthClient;
