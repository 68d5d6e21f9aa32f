import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { DPoPSigner, base64url, htuOf, jwkThumbprint, memoryKeyStore } from "../src/dpop.js";
import { createAuthClient } from "../src/jwtauth.js";
import { AUTH_BASE, FakeClock, HELLO_URL, createChannelHub, createLockManager, flush } from "./fakes.js";

const { subtle } = globalThis.crypto;

function decodePart(part) {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

/** Verify a proof as a server would: signature with the header's jwk, typ, alg, claims. */
async function verifyProof(proof) {
  const [h, p, s] = proof.split(".");
  const header = decodePart(h);
  const payload = decodePart(p);
  assert.equal(header.typ, "dpop+jwt");
  assert.equal(header.alg, "ES256");
  assert.deepEqual(Object.keys(header.jwk).sort(), ["crv", "kty", "x", "y"]); // public members only
  const key = await subtle.importKey("jwk", header.jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const isValid = await subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    Buffer.from(s, "base64url"),
    new TextEncoder().encode(`${h}.${p}`),
  );
  assert.ok(isValid, "signature verifies with the header jwk");
  return { header, payload, jkt: await jwkThumbprint(subtle, header.jwk) };
}

async function ath(token) {
  return base64url(await subtle.digest("SHA-256", new TextEncoder().encode(token)));
}

describe("proofs", () => {
  test("a proof is signed by a non-extractable ES256 key and carries the RFC 9449 claims", async () => {
    const clock = new FakeClock();
    const signer = new DPoPSigner({ subtle, store: memoryKeyStore(), now: clock.now });
    const proof = await signer.proof("post", "http://api.test/api/hello/?q=1#frag", { accessToken: "a.b.c" });
    const { payload, jkt } = await verifyProof(proof);
    assert.equal(payload.htm, "POST");
    assert.equal(payload.htu, "http://api.test/api/hello/");
    assert.equal(payload.iat, Math.floor(clock.now() / 1000));
    assert.equal(payload.ath, await ath("a.b.c"));
    assert.equal(typeof payload.jti, "string");
    assert.ok(payload.jti.length >= 20);
    assert.equal(jkt, signer.jkt);
    const second = await verifyProof(await signer.proof("GET", HELLO_URL));
    assert.notEqual(second.payload.jti, payload.jti);
    assert.equal(second.payload.ath, undefined);
  });

  test("the private key cannot be exported, and the stored object is the CryptoKey itself", async () => {
    const store = memoryKeyStore();
    const signer = new DPoPSigner({ subtle, store });
    await signer.ensureKey();
    const stored = await store.load();
    assert.ok(stored.privateKey instanceof CryptoKey);
    assert.equal(stored.privateKey.extractable, false);
    await assert.rejects(subtle.exportKey("jwk", stored.privateKey));
    await assert.rejects(subtle.exportKey("pkcs8", stored.privateKey));
  });

  test("a second signer on the same store (a reload, another tab) uses the same key", async () => {
    const store = memoryKeyStore();
    const first = new DPoPSigner({ subtle, store });
    await first.ensureKey();
    const second = new DPoPSigner({ subtle, store });
    await second.ensureKey();
    assert.equal(second.jkt, first.jkt);
    await second.reset();
    const third = new DPoPSigner({ subtle, store });
    await third.ensureKey();
    assert.notEqual(third.jkt, first.jkt);
  });

  test("without WebCrypto there are no proofs", async () => {
    const signer = new DPoPSigner({ subtle: null, store: memoryKeyStore() });
    assert.equal(signer.isSupported, false);
    assert.equal(await signer.proof("GET", HELLO_URL), null);
    const broken = new DPoPSigner({
      subtle: { generateKey: async () => Promise.reject(new DOMException("no", "NotSupportedError")) },
      store: memoryKeyStore(),
    });
    assert.equal(await broken.ensureKey(), false);
    assert.equal(broken.isSupported, false);
  });

  test("htu and base64url helpers", () => {
    assert.equal(htuOf("https://a.test:8443/x/y?z#w"), "https://a.test:8443/x/y");
    assert.equal(base64url(new Uint8Array([251, 255, 191])), "-_-_");
  });
});

/**
 * A DPoP-requiring jwtauth server in miniature: checks each proof's signature, htm, htu, ath,
 * jkt against the session, replay, and (optionally) a nonce.
 */
class DPoPServer {
  constructor(clock, { nonce = null, mode = "required" } = {}) {
    this.clock = clock;
    this.nonce = nonce;
    this.mode = mode;
    this.calls = [];
    this.seen = new Set();
    this.sessionJkt = undefined;
    this.tokens = new Map(); // access token -> jkt
    this.refreshCount = 0;
    this.fetch = (input, init = {}) => this.#handle(String(input), init);
  }

  async #proofError(proof, method, url, token) {
    if (!proof) return "invalid_dpop_proof";
    const { payload, jkt } = await verifyProof(proof);
    if (payload.htm !== method || payload.htu !== htuOf(url)) return "invalid_dpop_proof";
    if (this.seen.has(payload.jti)) return "invalid_dpop_proof";
    if (token !== undefined && payload.ath !== (await ath(token))) return "invalid_dpop_proof";
    if (this.nonce !== null && payload.nonce !== this.nonce) return "use_dpop_nonce";
    this.seen.add(payload.jti);
    return { jkt };
  }

  #error(code) {
    const headers = {
      "Content-Type": "application/json",
      "WWW-Authenticate": `DPoP error="${code}", algs="ES256 EdDSA"`,
    };
    if (this.nonce !== null) headers["DPoP-Nonce"] = this.nonce;
    return new Response(JSON.stringify({ detail: code, code }), { status: 401, headers });
  }

  #issue(jkt) {
    const token = `at-${this.tokens.size + 1}`;
    this.tokens.set(token, jkt);
    const body = { access_token: token, token_type: jkt ? "DPoP" : "Bearer", expires_in: 300, csrf_token: "c" };
    return new Response(JSON.stringify({ ...body, user: { username: "alice" } }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  }

  async #handle(url, init) {
    const headers = new Headers(init.headers);
    const method = init.method ?? "GET";
    this.calls.push({ url, method, headers });
    const proof = headers.get("DPoP");
    if (url.endsWith("/login/") || url.endsWith("/refresh/")) {
      if (!proof && this.mode === "optional") return this.#issue(null);
      const result = await this.#proofError(proof, method, url);
      if (typeof result === "string") return this.#error(result);
      if (url.endsWith("/login/")) this.sessionJkt = result.jkt;
      else if (result.jkt !== this.sessionJkt) return this.#error("invalid_dpop_proof");
      else this.refreshCount += 1;
      return this.#issue(result.jkt);
    }
    const [scheme, token] = (headers.get("Authorization") ?? "").split(" ");
    const bound = this.tokens.get(token);
    if (bound === undefined) return this.#error("invalid_token");
    if (bound === null) {
      return scheme === "Bearer" ? new Response("{}", { status: 200 }) : this.#error("invalid_token");
    }
    if (scheme !== "DPoP") return this.#error("invalid_token");
    const result = await this.#proofError(proof, method, url, token);
    if (typeof result === "string") return this.#error(result);
    if (result.jkt !== bound) return this.#error("invalid_dpop_proof");
    return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { "Content-Type": "application/json" } });
  }
}

describe("client with DPoP", () => {
  let clock;
  let clients;

  beforeEach(() => {
    clock = new FakeClock();
    clients = [];
  });

  afterEach(() => {
    for (const client of clients) client.destroy();
  });

  function makeClient(server, overrides = {}) {
    const client = createAuthClient({
      baseUrl: AUTH_BASE,
      fetch: server.fetch,
      now: clock.now,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      BroadcastChannel: null,
      locks: null,
      readCookie: () => null,
      dpop: true,
      subtle,
      dpopKeyStore: memoryKeyStore(),
      ...overrides,
    });
    clients.push(client);
    return client;
  }

  test("login, API calls and refresh carry proofs; API calls use Authorization: DPoP with ath", async () => {
    const server = new DPoPServer(clock);
    const client = makeClient(server);
    await client.login("alice", "pw");
    assert.equal(client.tokenType, "DPoP");
    const response = await client.fetch(HELLO_URL);
    assert.equal(response.status, 200);
    const call = server.calls.at(-1);
    assert.match(call.headers.get("Authorization"), /^DPoP at-1$/);
    const { payload, jkt } = await verifyProof(call.headers.get("DPoP"));
    assert.equal(payload.ath, await ath("at-1"));
    assert.equal(jkt, server.sessionJkt);
    assert.equal(await client.refresh(), true);
    assert.equal(server.refreshCount, 1);
    assert.equal((await client.fetch(HELLO_URL)).status, 200);
  });

  test("use_dpop_nonce: one retry with the server's nonce, never a loop", async () => {
    const server = new DPoPServer(clock, { nonce: "n-1" });
    const client = makeClient(server);
    await client.login("alice", "pw");
    const logins = server.calls.filter((c) => c.url.endsWith("/login/"));
    assert.equal(logins.length, 2);
    assert.equal((await verifyProof(logins[1].headers.get("DPoP"))).payload.nonce, "n-1");
    assert.equal((await client.fetch(HELLO_URL)).status, 200); // the nonce is remembered
    server.nonce = "n-2";
    const before = server.calls.length;
    assert.equal((await client.fetch(HELLO_URL)).status, 200);
    assert.equal(server.calls.length - before, 2); // one rejected, one retried
    const stubborn = new DPoPServer(clock, { nonce: "x" });
    const moving = async (input, init) => {
      const response = await stubborn.fetch(input, init);
      stubborn.nonce = `${stubborn.nonce}x`; // a new nonce every time: the client gives up after one retry
      return response;
    };
    const other = makeClient({ fetch: moving });
    await assert.rejects(other.login("alice", "pw"), (error) => error.code === "use_dpop_nonce");
    assert.equal(stubborn.calls.length, 2);
  });

  test("two tabs share the origin's key; the second tab's proofs verify against the session", async () => {
    const server = new DPoPServer(clock);
    const hub = createChannelHub();
    const locks = createLockManager();
    const store = memoryKeyStore();
    const options = { BroadcastChannel: hub.Channel, locks, dpopKeyStore: store };
    const tabA = makeClient(server, options);
    const tabB = makeClient(server, options);
    await tabA.login("alice", "pw");
    await flush();
    assert.equal(tabB.isAuthenticated, true);
    assert.equal(tabB.tokenType, "DPoP");
    assert.equal((await tabB.fetch(HELLO_URL)).status, 200);
    const { jkt } = await verifyProof(server.calls.at(-1).headers.get("DPoP"));
    assert.equal(jkt, server.sessionJkt);
    // A reload: a new client on the same key store restores the session with the same key.
    const reloaded = makeClient(server, { dpopKeyStore: store });
    assert.notEqual(await reloaded.restore(), null);
    assert.equal((await reloaded.fetch(HELLO_URL)).status, 200);
  });

  test("logout forgets the key: the next login is bound to a new one", async () => {
    const server = new DPoPServer(clock);
    const store = memoryKeyStore();
    const client = makeClient(server, { dpopKeyStore: store });
    await client.login("alice", "pw");
    const first = server.sessionJkt;
    await client.logout();
    assert.equal(await store.load(), null);
    await client.login("alice", "pw");
    assert.notEqual(server.sessionJkt, first);
  });

  test("without WebCrypto ES256 the client falls back to bearer (server in optional mode)", async () => {
    const server = new DPoPServer(clock, { mode: "optional" });
    const client = makeClient(server, { subtle: null });
    await client.login("alice", "pw");
    assert.equal(server.calls[0].headers.get("DPoP"), null);
    assert.equal(client.tokenType, "Bearer");
    assert.equal((await client.fetch(HELLO_URL)).status, 200);
    assert.match(server.calls.at(-1).headers.get("Authorization"), /^Bearer /);
  });

  test("without WebCrypto a required-mode server refuses the login", async () => {
    const server = new DPoPServer(clock);
    const client = makeClient(server, { subtle: null });
    await assert.rejects(client.login("alice", "pw"), (error) => error.code === "invalid_dpop_proof");
  });
});
