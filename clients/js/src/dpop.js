/**
 * DPoP (RFC 9449) for @jwtauth/client: a non-extractable ES256 key and the proofs made with it.
 *
 * Threat notes:
 *  - The private key is made with `extractable: false`: no script, ours included, can export it.
 *    The CryptoKey object itself is stored in IndexedDB (structured clone keeps it
 *    non-extractable), so a reload and every tab of the origin use the same key. A token or
 *    refresh cookie copied elsewhere is useless without it.
 *  - Script running in the page can still ask the browser to sign with the key while the page
 *    is open. DPoP limits where stolen tokens work; it does not make XSS harmless.
 *  - Signatures and hashes are WebCrypto's; base64url is the platform's base64 with the URL
 *    alphabet (`Uint8Array.prototype.toBase64` where available).
 */

const DB_NAME = "jwtauth-dpop";
const STORE = "keys";
const KEY_ID = "current";
const ES256 = { name: "ECDSA", namedCurve: "P-256" };
const ES256_SIGN = { name: "ECDSA", hash: "SHA-256" };

/** base64url without padding (RFC 7515 §2) of bytes. */
export function base64url(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (typeof view.toBase64 === "function") return view.toBase64({ alphabet: "base64url", omitPadding: true });
  let binary = "";
  for (const byte of view) binary += String.fromCharCode(byte);
  return globalThis.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function utf8(text) {
  return new TextEncoder().encode(text);
}

/** The `htu` of a request URL: no query, no fragment (RFC 9449 §4.2). */
export function htuOf(url) {
  const parsed = new URL(url, globalThis.location?.href);
  return `${parsed.origin}${parsed.pathname}`;
}

/** RFC 7638 SHA-256 thumbprint of a public EC JWK (members crv, kty, x, y in that order). */
export async function jwkThumbprint(subtle, jwk) {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return base64url(await subtle.digest("SHA-256", utf8(canonical)));
}

/** A key store in IndexedDB holding the CryptoKeyPair object itself (never exported bytes). */
export function indexedDbKeyStore(indexedDB = globalThis.indexedDB) {
  if (!indexedDB) return null;
  const open = () =>
    new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  const run = async (mode, action) => {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = action(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  };
  return {
    load: () => run("readonly", (store) => store.get(KEY_ID)).then((value) => value ?? null),
    save: (keyPair) => run("readwrite", (store) => store.put(keyPair, KEY_ID)),
    clear: () => run("readwrite", (store) => store.delete(KEY_ID)),
  };
}

/** A key store in memory (tests, or browsers without IndexedDB: the key then lives per tab). */
export function memoryKeyStore() {
  let keyPair = null;
  return {
    load: async () => keyPair,
    save: async (value) => {
      keyPair = value;
    },
    clear: async () => {
      keyPair = null;
    },
  };
}

/**
 * Makes DPoP proofs with the origin's key. The key is created on first use, kept in the store,
 * and forgotten on logout (`reset()`). All tabs share it through the store.
 */
export class DPoPSigner {
  #subtle;
  #store;
  #now;
  #lock;
  #keyPair = null;
  #publicJwk = null;
  #jkt = null;
  #isUnsupported = false;
  #clearing = null; // the store's clear() of the last reset(), awaited before loading

  /**
   * @param {{subtle?: SubtleCrypto|null, store?: object|null, now?: () => number,
   *          lock?: (fn: () => Promise<unknown>) => Promise<unknown>}} options
   */
  constructor({ subtle = globalThis.crypto?.subtle ?? null, store, now = () => Date.now(), lock } = {}) {
    this.#subtle = subtle;
    this.#store = store === undefined ? (indexedDbKeyStore() ?? memoryKeyStore()) : (store ?? memoryKeyStore());
    this.#now = now;
    this.#lock = lock ?? ((fn) => fn());
    if (!subtle) this.#isUnsupported = true;
  }

  /** False when this browser cannot make ES256 keys: the client then sends no proofs. */
  get isSupported() {
    return !this.#isUnsupported;
  }

  /** The RFC 7638 thumbprint of the current key, or null before one is loaded. */
  get jkt() {
    return this.#jkt;
  }

  /** Load the stored key, or make and store one. Returns false when ES256 is unavailable. */
  async ensureKey({ expectedJkt = null } = {}) {
    if (this.#isUnsupported) return false;
    if (this.#keyPair !== null && (expectedJkt === null || expectedJkt === this.#jkt)) return true;
    return this.#lock(async () => {
      if (this.#clearing !== null) await this.#clearing;
      const stored = await this.#loadStored();
      if (stored !== null && (await this.#use(stored))) return true;
      let keyPair;
      try {
        keyPair = await this.#subtle.generateKey(ES256, false, ["sign", "verify"]);
      } catch {
        this.#isUnsupported = true; // no WebCrypto ES256: fall back to bearer where the server allows
        return false;
      }
      await this.#use(keyPair);
      try {
        await this.#store.save(keyPair);
      } catch {
        // Not persisted (private mode, quota): the key still works for this tab's session.
      }
      return true;
    });
  }

  /** Drop this tab's copy of the key (another tab logged out and cleared the store). */
  forget() {
    this.#keyPair = null;
    this.#publicJwk = null;
    this.#jkt = null;
  }

  /** Forget the key (logout): the next login makes a new one. */
  reset() {
    this.forget();
    // Nothing stored, or storage unavailable: either way there is no key to clear.
    this.#clearing = Promise.resolve()
      .then(() => this.#store.clear())
      .catch(() => {});
    return this.#clearing;
  }

  /**
   * A DPoP proof JWT for one request (RFC 9449 §4.2).
   * @param {string} method the HTTP method, e.g. "POST".
   * @param {string} url the request URL (query and fragment are left out of `htu`).
   * @param {{accessToken?: string|null, nonce?: string|null}} [options]
   */
  async proof(method, url, { accessToken = null, nonce = null } = {}) {
    if (!(await this.ensureKey())) return null;
    const header = { typ: "dpop+jwt", alg: "ES256", jwk: this.#publicJwk };
    const payload = {
      jti: randomJti(),
      htm: method.toUpperCase(),
      htu: htuOf(url),
      iat: Math.floor(this.#now() / 1000),
    };
    if (accessToken) payload.ath = base64url(await this.#subtle.digest("SHA-256", utf8(accessToken)));
    if (nonce) payload.nonce = nonce;
    const signingInput = `${base64url(utf8(JSON.stringify(header)))}.${base64url(utf8(JSON.stringify(payload)))}`;
    // WebCrypto's ECDSA signature is r || s, exactly the JWS ES256 form (RFC 7518 §3.4).
    const signature = await this.#subtle.sign(ES256_SIGN, this.#keyPair.privateKey, utf8(signingInput));
    return `${signingInput}.${base64url(signature)}`;
  }

  async #loadStored() {
    try {
      return await this.#store.load();
    } catch {
      return null;
    }
  }

  async #use(keyPair) {
    if (!keyPair?.privateKey || !keyPair?.publicKey) return false;
    const jwk = await this.#subtle.exportKey("jwk", keyPair.publicKey); // the public half only
    this.#publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    this.#jkt = await jwkThumbprint(this.#subtle, this.#publicJwk);
    this.#keyPair = keyPair;
    return true;
  }
}

function randomJti() {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return base64url(bytes);
}
