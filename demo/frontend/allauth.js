// django-allauth headless (app client) beside the jwtauth client: sign-up, e-mail codes,
// password reset, two-factor login, TOTP set-up, passkeys. See docs/allauth.md.
//
// Tokens stay jwtauth's: when an allauth response says the user is signed in, its `meta` carries
// jwtauth's access token and CSRF token and the response set jwtauth's refresh cookie; the page
// hands `meta` to `auth.acceptLogin()` and from then on refreshes through jwtauth's refresh/.
// allauth's own `session_token` (its flow state: "waiting for the e-mail code", "waiting for the
// second factor") is kept in this module's memory only, never in web storage.

/** Where allauth's app client lives on the API. */
export function allauthBase(api) {
  return `${api}/_allauth/app/v1`;
}

export class AllauthClient {
  #base;
  #auth;
  #sessionToken = null;

  /**
   * @param {object} options
   * @param {string} options.api API origin, e.g. "http://localhost:8000".
   * @param {import("/client/jwtauth.js").AuthClient} options.auth the jwtauth client.
   */
  constructor({ api, auth }) {
    this.#base = allauthBase(api);
    this.#auth = auth;
    // A jwtauth logout (here or in another tab) ends the allauth session too: forget its token.
    auth.on("logout", () => {
      this.#sessionToken = null;
    });
  }

  /** Forget the pending flow (start a new login, sign-up or reset from scratch). */
  reset() {
    this.#sessionToken = null;
  }

  /**
   * One call to allauth's app client.
   *
   * Credentials: allauth's `X-Session-Token` while this page holds one (during and right after a
   * flow); otherwise, when signed in (e.g. after a reload), jwtauth's access token as
   * `Authorization: Bearer` through `auth.fetch()`. `credentials: "include"` lets a response that
   * completes a login set jwtauth's refresh cookie.
   *
   * @returns {Promise<{status: number, data: any, meta: object, errors: object[], pending: string|null,
   *   flows: string[], user: object|null}>} `pending` is the id of the flow waiting for input
   *   ("verify_email", "mfa_authenticate", "password_reset_by_code", "reauthenticate", ...).
   */
  async call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const init = {
      method,
      headers,
      credentials: "include",
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    const url = this.#base + path;
    let response;
    if (this.#sessionToken) {
      headers["X-Session-Token"] = this.#sessionToken;
      response = await fetch(url, init);
    } else if (this.#auth.isAuthenticated) {
      response = await this.#auth.fetch(url, init);
    } else {
      response = await fetch(url, init);
    }
    const json = await response.json().catch(() => ({}));
    const meta = json.meta ?? {};
    if (meta.session_token) this.#sessionToken = meta.session_token;
    if (response.status === 410) this.#sessionToken = null; // allauth's session is gone
    let user = null;
    if (meta.access_token) user = await this.#auth.acceptLogin(meta);
    const flows = json.data?.flows ?? [];
    return {
      status: response.status,
      data: json.data ?? null,
      meta,
      errors: json.errors ?? [],
      pending: flows.find((flow) => flow.is_pending)?.id ?? null,
      flows: flows.map((flow) => flow.id),
      user,
    };
  }

  // ---------------------------------------------------------------- flows

  /** Sign up; answers 401 with `pending: "verify_email"` (a code is e-mailed). */
  signup(email, password) {
    this.reset();
    return this.call("POST", "/auth/signup", { email, password });
  }

  /** The code from the verification e-mail; a 200 signs the user in (jwtauth tokens). */
  verifyEmail(code) {
    return this.call("POST", "/auth/email/verify", { key: code });
  }

  /** Log in by e-mail; 200 signed in, or 401 with `pending: "mfa_authenticate"` / `"verify_email"`. */
  login(email, password) {
    this.reset();
    return this.call("POST", "/auth/login", { email, password });
  }

  /** The second factor: a TOTP code or a recovery code. */
  authenticate2fa(code) {
    return this.call("POST", "/auth/2fa/authenticate", { code });
  }

  /** Ask for a password reset code by e-mail; 401 with `pending: "password_reset_by_code"`. */
  requestPasswordReset(email) {
    this.reset();
    return this.call("POST", "/auth/password/request", { email });
  }

  /** Set a new password with the e-mailed code; every jwtauth session of the user is revoked. */
  resetPassword(code, password) {
    return this.call("POST", "/auth/password/reset", { key: code, password });
  }

  /** Confirm the password before a sensitive change (allauth asks with `pending: "reauthenticate"`). */
  reauthenticate(password) {
    return this.call("POST", "/auth/reauthenticate", { password });
  }

  /** TOTP set-up, step 1: 404 with `meta.secret` and `meta.totp_url` when not active yet. */
  totpStatus() {
    return this.call("GET", "/account/authenticators/totp");
  }

  /** TOTP set-up, step 2: a code from the app proves it has the secret. */
  activateTotp(code) {
    return this.call("POST", "/account/authenticators/totp", { code });
  }

  /** The recovery codes allauth generated with the first second factor. */
  recoveryCodes() {
    return this.call("GET", "/account/authenticators/recovery-codes");
  }

  /** The user's authenticators (TOTP, recovery codes, passkeys). */
  authenticators() {
    return this.call("GET", "/account/authenticators");
  }

  /**
   * Register a passkey: creation options from allauth, `navigator.credentials.create()`, then the
   * credential back to allauth. Returns the last response (or the first, when allauth refused).
   */
  async addPasskey(name) {
    const begin = await this.call("GET", "/account/authenticators/webauthn?passwordless");
    if (begin.status !== 200) return begin;
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(begin.data.creation_options.publicKey);
    const credential = await navigator.credentials.create({ publicKey });
    return this.call("POST", "/account/authenticators/webauthn", {
      name,
      credential: credential.toJSON(),
      passwordless: true,
    });
  }

  /** Log in with a passkey (discoverable credential): request options, `navigator.credentials.get()`. */
  async loginWithPasskey() {
    this.reset();
    const begin = await this.call("GET", "/auth/webauthn/login");
    if (begin.status !== 200) return begin;
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begin.data.request_options.publicKey);
    const assertion = await navigator.credentials.get({ publicKey });
    return this.call("POST", "/auth/webauthn/login", { credential: assertion.toJSON() });
  }
}

/** allauth's error messages as one line (400 answers carry `errors: [{message, param}]`). */
export function errorText(result, fallback) {
  const messages = result.errors.map((error) => error.message).filter(Boolean);
  if (messages.length) return messages.join(" ");
  if (result.status === 429) return "Too many attempts. Please wait a moment and try again.";
  if (result.status === 409) return "That step is not available right now; start again.";
  return fallback;
}
