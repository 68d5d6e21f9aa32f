/**
 * @jwtauth/client: browser client for jwtauth's split-token design.
 *
 * The server hands out two credentials:
 *   - a short-lived access token in the JSON body, sent as `Authorization: Bearer`;
 *   - a long-lived refresh token in an HttpOnly cookie scoped to the auth endpoints, which script
 *     can never read, renewed by rotation on every `POST refresh/`.
 *
 * With `dpop: true` the session is bound to a non-extractable key of this origin (RFC 9449): login,
 * refresh and every API call carry a DPoP proof, and the access token goes out as
 * `Authorization: DPoP`. See ./dpop.js.
 *
 * This module is dependency-free, has no build step and runs in browsers and in Node (for tests).
 * Every clock, timer, fetch, lock and channel is injectable so tests never sleep.
 */

import { DPoPSigner, indexedDbKeyStore, memoryKeyStore } from "./dpop.js";

export { DPoPSigner, indexedDbKeyStore, memoryKeyStore } from "./dpop.js";

const DEFAULT_CHANNEL_NAME = "jwtauth";

// 401 codes from a resource server that mean "get a new access token and try once more".
const ACCESS_TOKEN_REJECTED_CODES = new Set([
  "token_expired",
  "token_invalid",
  "token_revoked",
  "invalid_token",
]);

/** An error with the server's stable `code` (or a client-side one such as `network_error`). */
export class AuthClientError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, code?: string, detail?: string, isRetryable?: boolean,
   *          retryAfterSeconds?: number|null, cause?: unknown}} [info]
   */
  constructor(message, info = {}) {
    super(message, info.cause === undefined ? undefined : { cause: info.cause });
    this.name = "AuthClientError";
    this.status = info.status ?? 0;
    this.code = info.code ?? "unknown_error";
    this.detail = info.detail ?? message;
    this.isRetryable = info.isRetryable ?? false;
    this.retryAfterSeconds = info.retryAfterSeconds ?? null;
  }
}

/**
 * Auth client for one tab. Create one per page with {@link createAuthClient}.
 *
 * Threat notes:
 *  - The access token lives in a private field only. Web storage and script-readable cookies are
 *    readable by any script on the origin and survive the tab, so an XSS bug would turn into a
 *    stolen long-lived credential. Memory-only keeps the theft window to one short-lived token.
 *  - The refresh token is never visible here; the browser attaches its cookie, and only to the
 *    auth endpoints, which are the only requests sent with `credentials: "include"`.
 *  - Refresh tokens rotate and the server treats reuse of an old one as theft (it revokes the
 *    whole token family). Two concurrent refreshes with the same cookie look exactly like reuse,
 *    so refreshing is single-flight within a tab and serialised across tabs.
 */
export class AuthClient {
  // Session state: memory only, never persisted.
  #accessToken = null;
  #expiresAt = 0; // ms since the epoch, per this machine's clock
  #lifetimeMs = 0;
  #csrfToken = null;
  #user = null;
  #tokenType = "Bearer";
  #dpop = null; // DPoPSigner when options.dpop
  #dpopNonces = new Map(); // origin -> last DPoP-Nonce it sent (RFC 9449 §8)

  // Bumped on every session change (local or from another tab); lets a waiter tell whether
  // someone else already refreshed or logged out while it waited.
  #epoch = 0;
  #epochWaiters = new Set();
  #refreshPromise = null;
  #loginEventPending = false;
  #timer = null;
  #listeners = new Map();
  #isDestroyed = false;

  // Cross-tab coordination.
  #channel = null;
  #locks = null;
  #peerRefreshUntil = 0;
  #rivalClaims = null;

  // Options.
  #baseUrl;
  #fetch;
  #now;
  #setTimeout;
  #clearTimeout;
  #refreshSkewMs;
  #retryDelaysMs;
  #backgroundRetryMs;
  #lockSettleMs;
  #claimWindowMs;
  #peerRefreshTimeoutMs;
  #isAutoRefresh;
  #readCookie;
  #csrfCookieName;
  #lockName;
  #tabId;
  #tokenOrigins;

  /** @param {import("./jwtauth.js").AuthClientOptions} [options] */
  constructor(options = {}) {
    const baseUrl = options.baseUrl ?? "/api/auth/";
    this.#baseUrl = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#now = options.now ?? (() => Date.now());
    this.#setTimeout = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.#clearTimeout = options.clearTimeout ?? ((id) => globalThis.clearTimeout(id));
    this.#refreshSkewMs = (options.refreshSkewSeconds ?? 30) * 1000;
    this.#retryDelaysMs = [...(options.retryDelaysMs ?? [1000, 2000, 4000])];
    this.#backgroundRetryMs = options.backgroundRetryMs ?? 30_000;
    this.#lockSettleMs = options.lockSettleMs ?? 50;
    this.#claimWindowMs = options.claimWindowMs ?? 100;
    this.#peerRefreshTimeoutMs = options.peerRefreshTimeoutMs ?? 10_000;
    this.#isAutoRefresh = options.autoRefresh ?? true;
    this.#readCookie = options.readCookie ?? readDocumentCookie;
    this.#csrfCookieName = options.csrfCookieName ?? "csrftoken";
    this.#tabId = options.tabId ?? randomId();
    this.#tokenOrigins = new Set(options.tokenOrigins ?? []);
    const apiOrigin = originOf(this.#baseUrl);
    if (apiOrigin) this.#tokenOrigins.add(apiOrigin);

    const channelName = options.channelName ?? DEFAULT_CHANNEL_NAME;
    this.#lockName = `${channelName}:refresh`;
    this.#locks = options.locks !== undefined ? options.locks : (globalThis.navigator?.locks ?? null);
    if (options.dpop) {
      const locks = this.#locks;
      const keyLockName = `${channelName}:dpop-key`;
      this.#dpop = new DPoPSigner({
        subtle: options.subtle !== undefined ? options.subtle : (globalThis.crypto?.subtle ?? null),
        store: options.dpopKeyStore !== undefined ? options.dpopKeyStore : (indexedDbKeyStore() ?? memoryKeyStore()),
        now: this.#now,
        // One tab at a time creates the origin's key, so all tabs end up with the same one.
        lock: locks ? (fn) => locks.request(keyLockName, fn) : undefined,
      });
    }
    const Channel =
      options.BroadcastChannel !== undefined ? options.BroadcastChannel : (globalThis.BroadcastChannel ?? null);
    if (Channel) {
      this.#channel = new Channel(channelName);
      this.#channel.onmessage = (event) => this.#onMessage(event.data);
    }
  }

  // ---------------------------------------------------------------- public state

  /** True while this tab holds an access token in memory. */
  get isAuthenticated() {
    return this.#accessToken !== null;
  }

  /** The user object from login or `user/`, or null. */
  get user() {
    return this.#user;
  }

  /** When the access token expires (ms since the epoch), or null when logged out. */
  get expiresAt() {
    return this.#accessToken === null ? null : this.#expiresAt;
  }

  /**
   * The current access token, for transports `fetch()` cannot cover (e.g. a WebSocket handshake).
   * Prefer `fetch()`; never store what this returns.
   */
  getAccessToken() {
    return this.#accessToken;
  }

  /** `"DPoP"` when the session is bound to this origin's key, else `"Bearer"`. */
  get tokenType() {
    return this.#tokenType;
  }

  /**
   * A DPoP proof for a request this client does not send itself (e.g. a WebSocket handshake),
   * bound to the current access token. Null when the session is not DPoP-bound.
   */
  async createDPoPProof(method, url) {
    if (this.#dpop === null || this.#tokenType !== "DPoP" || this.#accessToken === null) return null;
    return this.#dpop.proof(method, url, { accessToken: this.#accessToken, nonce: this.#nonceFor(url) });
  }

  // ---------------------------------------------------------------- events

  /**
   * Subscribe to `login`, `logout`, `refresh`, `token` or `error`. Returns an unsubscribe function.
   * @param {string} type
   * @param {(event: object) => void} listener
   */
  on(type, listener) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    return () => this.off(type, listener);
  }

  off(type, listener) {
    this.#listeners.get(type)?.delete(listener);
  }

  addEventListener(type, listener) {
    this.on(type, listener);
  }

  removeEventListener(type, listener) {
    this.off(type, listener);
  }

  // ---------------------------------------------------------------- auth endpoints

  /**
   * Log in with a username and password.
   * @returns {Promise<object>} the user.
   * @throws {AuthClientError} `invalid_credentials` (401), `throttled` (429), `network_error`, ...
   */
  async login(username, password) {
    const response = await this.#callAuthEndpoint("login/", {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
      isDPoP: true,
    });
    const body = await readJson(response);
    if (!response.ok) throw errorFromResponse(response, body);
    if (!isTokenResponse(body)) throw badResponse(response);
    this.#setSession(body, { kind: "login", source: "local" });
    this.#broadcastSession("login");
    return this.#user;
  }

  /**
   * Adopt the tokens of a login made by another endpoint of the same server, e.g. django-allauth
   * headless with jwtauth's token strategy (`jwtauth.contrib.allauth`): its response's `meta`
   * carries `access_token`, `token_type`, `expires_in` and `csrf_token`, and the response itself
   * set jwtauth's refresh cookie (send that request with `credentials: "include"`). From then on
   * the session is this client's as after `login()`: timers, `refresh/`, other tabs, `logout()`.
   * Then fetches the user from `GET user/` and emits `login` (source "local").
   * @param {object} tokens `{access_token, token_type?, expires_in, csrf_token?}`.
   * @returns {Promise<object|null>} the user (null if `user/` could not be read; an `error` event says why).
   * @throws {AuthClientError} `bad_response` when `tokens` carries no access token.
   */
  async acceptLogin(tokens) {
    if (!isTokenResponse(tokens)) {
      throw new AuthClientError("The login response carries no access token.", { code: "bad_response" });
    }
    const { access_token, token_type, expires_in, csrf_token } = tokens;
    this.#user = null;
    this.#setSession({ access_token, token_type, expires_in, csrf_token }, { kind: "accepted", source: "local" });
    try {
      await this.getUser();
    } catch (error) {
      this.#emit("error", { error, during: "accept_login" });
    }
    if (this.isAuthenticated) {
      this.#loginEventPending = false;
      this.#emit("login", { user: this.#user, source: "local" });
      this.#broadcastSession("login");
    }
    return this.#user;
  }

  /**
   * On page start-up: get an access token from the refresh cookie, if there is one.
   * A 401 just means "not logged in".
   * @returns {Promise<object|null>} the user, or null when logged out.
   * @throws {AuthClientError} `network_error` / `server_error` after bounded retries.
   */
  async restore() {
    if (this.isAuthenticated) return this.#user ?? this.getUser();
    const token = await this.#refreshToken();
    if (token === null) return null;
    if (this.#user === null) {
      try {
        await this.getUser();
      } catch (error) {
        this.#emit("error", { error, during: "restore" });
      }
    }
    if (this.#loginEventPending && this.isAuthenticated) {
      this.#loginEventPending = false;
      this.#emit("login", { user: this.#user, source: "restore" });
    }
    return this.isAuthenticated ? this.#user : null;
  }

  /**
   * Rotate now. Single-flight: concurrent callers (and other tabs) share one rotation.
   * @returns {Promise<boolean>} whether the tab is logged in afterwards.
   */
  async refresh() {
    if (!this.isAuthenticated) return (await this.restore()) !== null;
    return (await this.#refreshToken()) !== null;
  }

  /**
   * Log out this browser session: forget the access token at once, tell other tabs, then ask the
   * server to revoke the refresh token and clear its cookie.
   * @returns {Promise<boolean>} whether the server confirmed.
   */
  async logout() {
    const knownCsrfToken = this.#csrfToken;
    this.#clearSession("local", { isBroadcast: true });
    // Under the refresh lock so no other tab rotates the cookie while it is being revoked.
    return this.#exclusive(async () => {
      try {
        // A logout the server refused would leave the refresh cookie alive: the next page load
        // would log the user straight back in. So a stale CSRF token gets one retry.
        const response = await this.#postWithCsrf("logout/", knownCsrfToken);
        return response.ok;
      } catch {
        return false;
      }
    });
  }

  /**
   * Revoke every session of this user on every device.
   * @throws {AuthClientError} when the server refuses; local state is then kept.
   */
  async logoutAll() {
    const response = await this.fetch(this.#url("logout-all/"), {
      method: "POST",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw errorFromResponse(response, await readJson(response));
    this.#clearSession("local", { isBroadcast: true, isEverywhere: true });
  }

  /**
   * Confirm the password again ("sudo mode") after a view answered 403
   * `reauthentication_required`: `POST reauthenticate/` with the access token. On success the
   * new access token (its `auth_time` is now) replaces the old one here and in other tabs;
   * retry the refused request then.
   * @returns {Promise<void>}
   * @throws {AuthClientError} `invalid_credentials` (401; the session stays logged in),
   *   `throttled` (429), `not_authenticated`, `network_error`, ...
   */
  async reauthenticate(password) {
    const response = await this.fetch(this.#url("reauthenticate/"), {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ password }),
    });
    const body = await readJson(response);
    if (!response.ok) throw errorFromResponse(response, body);
    if (!isTokenResponse(body)) throw badResponse(response);
    this.#setSession(
      { access_token: body.access_token, expires_in: body.expires_in },
      { kind: "refresh", source: "local" },
    );
    this.#broadcastSession("refresh");
  }

  /**
   * Fetch the current user from `GET user/`.
   * @returns {Promise<object|null>} the user, or null when not authenticated.
   */
  async getUser() {
    if (!this.isAuthenticated) return null;
    const response = await this.fetch(this.#url("user/"), { headers: { Accept: "application/json" } });
    const body = await readJson(response);
    if (response.status === 401) return null;
    if (!response.ok) throw errorFromResponse(response, body);
    this.#user = body?.user ?? null;
    return this.#user;
  }

  // ---------------------------------------------------------------- authenticated fetch

  /**
   * `fetch` with `Authorization: Bearer`. Refreshes shortly before expiry, and on a 401 that says
   * the access token is invalid it refreshes once and retries once (never loops).
   * The token is attached only to the API's origin (and `tokenOrigins`), so a stray URL cannot
   * leak it. Credentials (cookies) are left as the caller set them.
   */
  async fetch(input, init = {}) {
    if (!this.#mayCarryToken(input)) return this.#fetch(input, init);
    const token = await this.#tokenForRequest();
    const response = await this.#send(input, init, token);
    if (token === null || response.status !== 401 || !(await isAccessTokenRejected(response))) {
      return response;
    }
    let nextToken = this.#accessToken;
    if (nextToken === token) {
      try {
        nextToken = await this.#refreshToken({ isForced: true });
      } catch {
        return response; // refresh unavailable: hand back the original 401
      }
    }
    if (nextToken === null) return response;
    return this.#send(input, init, nextToken);
  }

  /** Stop timers and close the channel. The instance must not be used afterwards. */
  destroy() {
    this.#isDestroyed = true;
    this.#cancelTimer();
    this.#channel?.close();
    this.#channel = null;
    this.#listeners.clear();
  }

  // ---------------------------------------------------------------- refresh machinery

  async #tokenForRequest() {
    if (this.#accessToken === null) return null;
    if (this.#isFresh()) return this.#accessToken;
    try {
      return await this.#refreshToken();
    } catch (error) {
      // Server unreachable: the old token may still be good for a few seconds.
      if (this.#accessToken !== null && this.#expiresAt > this.#now()) return this.#accessToken;
      throw error;
    }
  }

  /**
   * Single flight: every caller in this tab shares one promise, so ten concurrent requests with an
   * expiring token cause one `POST refresh/`, not ten (nine of which would look like reuse).
   */
  #refreshToken({ isForced = false } = {}) {
    if (this.#refreshPromise === null) {
      const startEpoch = this.#epoch;
      this.#refreshPromise = this.#coordinatedRefresh(startEpoch, isForced).finally(() => {
        this.#refreshPromise = null;
      });
    }
    return this.#refreshPromise;
  }

  #coordinatedRefresh(startEpoch, isForced) {
    if (this.#locks) return this.#refreshUnderLock(startEpoch, isForced);
    if (this.#channel) return this.#refreshByClaim(startEpoch);
    return this.#refreshWithRetry();
  }

  /**
   * Across tabs, Web Locks serialise rotation. The holder broadcasts the new access token before
   * releasing; a tab that had to wait first checks whether a token arrived meanwhile and, if so,
   * reuses it instead of rotating again.
   */
  async #refreshUnderLock(startEpoch, isForced) {
    let hasRun = false;
    let result = null;
    await this.#locks.request(this.#lockName, { ifAvailable: true }, async (lock) => {
      if (lock === null) return;
      hasRun = true;
      result = await this.#refreshUnlessPeerDid(startEpoch, isForced, false);
    });
    if (hasRun) return result;
    return this.#locks.request(this.#lockName, () => this.#refreshUnlessPeerDid(startEpoch, isForced, true));
  }

  async #refreshUnlessPeerDid(startEpoch, isForced, hasWaited) {
    // The holder's broadcast and our lock grant travel separately; give the message a moment.
    if (hasWaited && this.#epoch === startEpoch) {
      await this.#waitForEpochChange(startEpoch, this.#lockSettleMs);
    }
    if (this.#epoch !== startEpoch) {
      if (this.#accessToken === null) return null; // logged out meanwhile: do not resurrect
      if (this.#isFresh() || !isForced) return this.#accessToken;
    }
    return this.#refreshWithRetry();
  }

  /**
   * Fallback without Web Locks (e.g. older Safari): tabs announce a claim on the channel, wait a
   * short window, and the lowest tab id refreshes while the others wait for its broadcast.
   * Simultaneous claims that miss each other can still both rotate; the server's grace period for
   * a just-replaced refresh token covers that rare case.
   */
  async #refreshByClaim(startEpoch) {
    if (this.#peerRefreshUntil > this.#now()) {
      await this.#waitForEpochChange(startEpoch, this.#peerRefreshUntil - this.#now());
      if (this.#epoch !== startEpoch) return this.#accessToken;
    }
    this.#rivalClaims = [];
    this.#post({ type: "refresh-claim", tabId: this.#tabId });
    await this.#sleep(this.#claimWindowMs);
    const hasLost = this.#rivalClaims.some((tabId) => tabId < this.#tabId);
    this.#rivalClaims = null;
    if (this.#epoch !== startEpoch) return this.#accessToken;
    if (hasLost) {
      await this.#waitForEpochChange(startEpoch, this.#peerRefreshTimeoutMs);
      if (this.#epoch !== startEpoch) return this.#accessToken;
    }
    return this.#refreshWithRetry();
  }

  /** Network errors, 5xx and 429 are retried with bounded backoff; they never log the user out. */
  async #refreshWithRetry() {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#refreshOnce();
      } catch (error) {
        if (!error?.isRetryable || attempt >= this.#retryDelaysMs.length || this.#isDestroyed) throw error;
        const retryAfterMs = (error.retryAfterSeconds ?? 0) * 1000;
        await this.#sleep(Math.max(this.#retryDelaysMs[attempt], Math.min(retryAfterMs, 60_000)));
      }
    }
  }

  async #refreshOnce() {
    const startEpoch = this.#epoch;
    const wasAuthenticated = this.isAuthenticated;
    const response = await this.#postWithCsrf("refresh/", this.#csrfToken);
    const body = await readJson(response);
    if (response.ok) {
      if (!isTokenResponse(body)) throw badResponse(response);
      // A logout happened while the request was in flight: drop the token rather than log back in.
      if (this.#epoch !== startEpoch && this.#accessToken === null) return null;
      this.#setSession(body, { kind: "refresh", source: "local" });
      this.#broadcastSession("refresh");
      return this.#accessToken;
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw errorFromResponse(response, body, { isRetryable: true });
    }
    // 401 refresh_token_* or 403 csrf_failed: this session cannot be renewed.
    const error = errorFromResponse(response, body);
    if (wasAuthenticated) this.#clearSession("refresh_failed", { isBroadcast: true, cause: error.code });
    return null;
  }

  // ---------------------------------------------------------------- session state

  #setSession(data, { kind, source }) {
    const wasAuthenticated = this.isAuthenticated;
    const lifetimeMs = Math.max(0, Number(data.expires_in) || 0) * 1000;
    this.#accessToken = data.access_token;
    this.#tokenType = data.token_type === "DPoP" ? "DPoP" : "Bearer";
    this.#lifetimeMs = lifetimeMs;
    this.#expiresAt = typeof data.expires_at === "number" ? data.expires_at : this.#now() + lifetimeMs;
    if (data.csrf_token) this.#csrfToken = data.csrf_token;
    if (data.user !== undefined && data.user !== null) this.#user = data.user;
    this.#bumpEpoch();
    this.#scheduleRefresh();

    if (kind === "login" || (!wasAuthenticated && source === "remote")) {
      this.#loginEventPending = false;
      this.#emit("login", { user: this.#user, source });
    } else if (kind === "accepted") {
      this.#loginEventPending = true; // acceptLogin() emits it once it knows the user
    } else if (!wasAuthenticated) {
      this.#loginEventPending = true; // restore() emits it once it knows the user
    } else {
      this.#emit("refresh", { expiresAt: this.#expiresAt, source });
    }
    this.#emit("token", { expiresAt: this.#expiresAt, source });
  }

  #clearSession(reason, { isBroadcast = false, isEverywhere = false, cause = null } = {}) {
    const wasAuthenticated = this.isAuthenticated;
    this.#accessToken = null;
    this.#tokenType = "Bearer";
    this.#expiresAt = 0;
    this.#lifetimeMs = 0;
    this.#csrfToken = null;
    // Logging out here forgets the origin's key (the next login makes a new one); a logout seen
    // from another tab only drops this tab's copy, the store was cleared there.
    if (this.#dpop !== null) {
      if (reason === "remote") this.#dpop.forget();
      else this.#dpop.reset();
    }
    this.#user = null;
    this.#loginEventPending = false;
    this.#cancelTimer();
    this.#bumpEpoch();
    if (isBroadcast && (wasAuthenticated || reason === "local")) {
      this.#post({ type: "logout", reason, everywhere: isEverywhere, cause });
    }
    if (wasAuthenticated) {
      this.#emit("logout", { reason, everywhere: isEverywhere, cause });
      this.#emit("token", { expiresAt: null, source: reason === "remote" ? "remote" : "local" });
    }
  }

  #broadcastSession(kind) {
    this.#post({
      type: "token",
      kind,
      access_token: this.#accessToken,
      token_type: this.#tokenType,
      jkt: this.#dpop?.jkt ?? null,
      expires_in: Math.round(this.#lifetimeMs / 1000),
      expires_at: this.#expiresAt,
      csrf_token: this.#csrfToken,
      user: this.#user,
    });
  }

  #onMessage(message) {
    if (this.#isDestroyed || message === null || typeof message !== "object") return;
    if (message.type === "token" && typeof message.access_token === "string") {
      this.#peerRefreshUntil = 0;
      if (message.access_token === this.#accessToken) return;
      // Messages may arrive out of order; never replace a newer token with an older one.
      if (this.isAuthenticated && message.kind !== "login" && message.expires_at < this.#expiresAt) return;
      // Another tab may have made the origin's key (a login there): load it before using the token.
      if (message.token_type === "DPoP" && this.#dpop !== null && typeof message.jkt === "string") {
        this.#dpop.ensureKey({ expectedJkt: message.jkt }).catch(() => {});
      }
      this.#setSession(message, { kind: message.kind === "login" ? "login" : "refresh", source: "remote" });
    } else if (message.type === "logout") {
      this.#peerRefreshUntil = 0;
      this.#clearSession("remote", { isEverywhere: Boolean(message.everywhere), cause: message.reason ?? null });
    } else if (message.type === "refresh-claim" && typeof message.tabId === "string") {
      this.#peerRefreshUntil = this.#now() + this.#peerRefreshTimeoutMs;
      this.#rivalClaims?.push(message.tabId);
    }
  }

  #post(message) {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A closed channel only costs coordination, never correctness of this tab.
    }
  }

  #scheduleRefresh() {
    this.#cancelTimer();
    if (!this.#isAutoRefresh || this.#accessToken === null || this.#isDestroyed) return;
    const delayMs = Math.max(0, this.#expiresAt - this.#effectiveSkewMs() - this.#now());
    this.#startTimer(delayMs);
  }

  #startTimer(delayMs) {
    this.#timer = this.#setTimeout(() => {
      this.#timer = null;
      this.#refreshToken().catch((error) => {
        this.#emit("error", { error, during: "background_refresh" });
        if (this.isAuthenticated && this.#timer === null) this.#startTimer(this.#backgroundRetryMs);
      });
    }, delayMs);
  }

  #cancelTimer() {
    if (this.#timer !== null) this.#clearTimeout(this.#timer);
    this.#timer = null;
  }

  // Refresh this long before expiry; at most half the lifetime so short tokens do not loop.
  #effectiveSkewMs() {
    return Math.min(this.#refreshSkewMs, this.#lifetimeMs / 2);
  }

  #isFresh() {
    return this.#accessToken !== null && this.#expiresAt - this.#now() > this.#effectiveSkewMs();
  }

  #bumpEpoch() {
    this.#epoch += 1;
    for (const wake of [...this.#epochWaiters]) wake();
  }

  #waitForEpochChange(startEpoch, timeoutMs) {
    if (this.#epoch !== startEpoch) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#clearTimeout(timer);
        this.#epochWaiters.delete(wake);
        resolve();
      };
      const timer = this.#setTimeout(wake, timeoutMs);
      this.#epochWaiters.add(wake);
    });
  }

  #sleep(ms) {
    return new Promise((resolve) => this.#setTimeout(resolve, ms));
  }

  #exclusive(fn) {
    return this.#locks ? this.#locks.request(this.#lockName, () => fn()) : fn();
  }

  // ---------------------------------------------------------------- HTTP helpers

  #url(path) {
    return `${this.#baseUrl}${path}`;
  }

  /**
   * POST to a cookie-authenticated endpoint (`refresh/`, `logout/`) with `X-CSRFToken`.
   *
   * The token comes from memory (the login/refresh body, which works cross-site), else the
   * `csrftoken` cookie, else `GET csrf/`: after a page load memory is empty, and a front end on
   * another host cannot read the API's cookie. The server checks CSRF before it touches the
   * refresh token, so a 403 `csrf_failed` (our token went stale, e.g. a login to the Django admin
   * on the API's host rotated the cookie) is retried once with a fresh token from `csrf/`.
   * Another origin cannot do the same: CORS keeps it from reading the `csrf/` body.
   */
  async #postWithCsrf(path, knownCsrfToken) {
    const csrfToken = knownCsrfToken ?? this.#readCookie(this.#csrfCookieName) ?? (await this.#fetchCsrfToken());
    const isDPoP = path === "refresh/";
    const response = await this.#callAuthEndpoint(path, { csrfToken, isDPoP });
    if (response.status !== 403) return response;
    const body = await readJson(response.clone());
    if (body?.code !== "csrf_failed") return response;
    const freshCsrfToken = await this.#fetchCsrfToken();
    if (freshCsrfToken === null || freshCsrfToken === csrfToken) return response;
    return this.#callAuthEndpoint(path, { csrfToken: freshCsrfToken, isDPoP });
  }

  /** `GET csrf/` with credentials (it sets the cookie the token pairs with). Null if unavailable. */
  async #fetchCsrfToken() {
    const response = await this.#callAuthEndpoint("csrf/", { method: "GET" });
    const body = await readJson(response);
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw errorFromResponse(response, body, { isRetryable: true });
    }
    if (!response.ok || typeof body?.csrf_token !== "string" || !body.csrf_token) return null;
    this.#csrfToken = body.csrf_token;
    return this.#csrfToken;
  }

  /**
   * Only the auth endpoints get `credentials: "include"`: the refresh cookie is scoped to them.
   * Login and refresh carry a DPoP proof when enabled, and are retried once with the server's
   * nonce on `use_dpop_nonce`.
   */
  async #callAuthEndpoint(path, { method = "POST", headers = {}, body, csrfToken, isDPoP = false } = {}) {
    const url = this.#url(path);
    const allHeaders = { Accept: "application/json", ...headers };
    if (csrfToken) allHeaders["X-CSRFToken"] = csrfToken;
    try {
      for (let attempt = 0; ; attempt += 1) {
        if (isDPoP && this.#dpop !== null) {
          const proof = await this.#dpop.proof(method, url, { nonce: this.#nonceFor(url) });
          if (proof !== null) allHeaders.DPoP = proof;
        }
        const response = await this.#fetch(url, { method, credentials: "include", headers: allHeaders, body });
        this.#rememberNonce(url, response);
        if (attempt > 0 || !allHeaders.DPoP || !(await isNonceChallenge(response))) return response;
      }
    } catch (cause) {
      if (cause instanceof AuthClientError) throw cause;
      throw new AuthClientError("The auth server could not be reached.", {
        code: "network_error",
        isRetryable: true,
        cause,
      });
    }
  }

  async #send(input, init, token) {
    const isDPoP = token !== null && this.#tokenType === "DPoP" && this.#dpop !== null;
    const url = isRequest(input) ? input.url : String(input);
    const method = init.method ?? (isRequest(input) ? input.method : "GET");
    for (let attempt = 0; ; attempt += 1) {
      const headers = new Headers(init.headers ?? (isRequest(input) ? input.headers : undefined));
      if (isDPoP) {
        // RFC 9449 §7: the token as "DPoP", with a fresh proof carrying its hash (ath).
        headers.set("Authorization", `DPoP ${token}`);
        const proof = await this.#dpop.proof(method, url, { accessToken: token, nonce: this.#nonceFor(url) });
        if (proof !== null) headers.set("DPoP", proof);
      } else if (token !== null) {
        headers.set("Authorization", `Bearer ${token}`);
      }
      const response = await this.#fetch(input, { ...init, headers });
      if (isDPoP) this.#rememberNonce(url, response);
      if (!isDPoP || attempt > 0 || !(await isNonceChallenge(response))) return response;
    }
  }

  #nonceFor(url) {
    return this.#dpopNonces.get(originOf(url)) ?? null;
  }

  #rememberNonce(url, response) {
    const nonce = response.headers?.get?.("DPoP-Nonce");
    if (nonce) this.#dpopNonces.set(originOf(url), nonce);
  }

  #mayCarryToken(input) {
    const url = isRequest(input) ? input.url : String(input);
    const origin = originOf(url);
    // A relative URL stays on the page's origin; with a relative baseUrl that is the API's origin.
    if (origin === null) return originOf(this.#baseUrl) === null || this.#tokenOrigins.has(pageOrigin());
    return this.#tokenOrigins.has(origin);
  }

  #emit(type, detail) {
    const event = Object.freeze({ type, ...detail });
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        // A broken listener must not break the auth state machine.
        if (typeof globalThis.reportError === "function") globalThis.reportError(error);
        else console.error(error);
      }
    }
  }
}

/**
 * Create an {@link AuthClient}.
 * @param {import("./jwtauth.js").AuthClientOptions} [options]
 */
export function createAuthClient(options) {
  return new AuthClient(options);
}

// ------------------------------------------------------------------ module helpers

function isTokenResponse(body) {
  return body !== null && typeof body === "object" && typeof body.access_token === "string";
}

/** A 401/400 asking for the server's DPoP nonce (RFC 9449 §8, §9). */
async function isNonceChallenge(response) {
  if (response.status !== 401 && response.status !== 400) return false;
  if (!response.headers.get("DPoP-Nonce")) return false;
  const challenge = response.headers.get("WWW-Authenticate") ?? "";
  if (/error="?use_dpop_nonce"?/i.test(challenge)) return true;
  const body = await readJson(response.clone());
  return body?.code === "use_dpop_nonce" || body?.error === "use_dpop_nonce";
}

async function isAccessTokenRejected(response) {
  const challenge = response.headers.get("WWW-Authenticate") ?? "";
  if (/error="?invalid_token"?/i.test(challenge)) return true;
  const body = await readJson(response.clone());
  return ACCESS_TOKEN_REJECTED_CODES.has(body?.code);
}

async function readJson(response) {
  try {
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function errorFromResponse(response, body, { isRetryable = false } = {}) {
  const code = typeof body?.code === "string" ? body.code : `http_${response.status}`;
  const detail = typeof body?.detail === "string" ? body.detail : `HTTP ${response.status}`;
  const retryAfter = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return new AuthClientError(detail, {
    status: response.status,
    code,
    detail,
    isRetryable,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null,
  });
}

function badResponse(response) {
  return new AuthClientError("The auth server sent an unexpected response.", {
    status: response.status,
    code: "bad_response",
  });
}

function isRequest(input) {
  return typeof Request !== "undefined" && input instanceof Request;
}

function pageOrigin() {
  return globalThis.location?.origin ?? null;
}

function originOf(url) {
  try {
    return new URL(url).origin; // absolute URLs only
  } catch {
    const base = globalThis.location?.href;
    if (!base) return null;
    try {
      return new URL(url, base).origin;
    } catch {
      return null;
    }
  }
}

function readDocumentCookie(name) {
  const cookies = globalThis.document?.cookie;
  if (typeof cookies !== "string") return null;
  for (const part of cookies.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

function randomId() {
  if (typeof globalThis.crypto?.randomUUID === "function") return globalThis.crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
