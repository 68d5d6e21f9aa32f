import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { AuthClientError, createAuthClient } from "../src/jwtauth.js";
import {
  AUTH_BASE,
  FakeClock,
  FakeServer,
  HELLO_URL,
  createChannelHub,
  createLockManager,
  flush,
} from "./fakes.js";

const LIFETIME_SECONDS = 300;
const SKEW_SECONDS = 30;

let clock;
let server;
let clients;

beforeEach(() => {
  clock = new FakeClock();
  server = new FakeServer(clock, { lifetimeSeconds: LIFETIME_SECONDS });
  clients = [];
});

afterEach(() => {
  for (const client of clients) client.destroy();
});

/** One "tab". Pass a shared hub/locks to make several tabs of one browser. */
function makeClient(overrides = {}) {
  const client = createAuthClient({
    baseUrl: AUTH_BASE,
    fetch: server.fetch,
    now: clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    refreshSkewSeconds: SKEW_SECONDS,
    retryDelaysMs: [1000, 2000, 4000],
    BroadcastChannel: null,
    locks: null,
    readCookie: () => null,
    ...overrides,
  });
  clients.push(client);
  return client;
}

function record(client, ...types) {
  const events = [];
  for (const type of types) client.on(type, (event) => events.push(event));
  return events;
}

function bearerOf(call) {
  return call.headers.get("Authorization");
}

/** Move the clock into the proactive-refresh window without firing the background timer. */
function ageTokens(seconds) {
  clock.time += seconds * 1000;
}

describe("login and memory-only storage", () => {
  test("login keeps the access token in memory only", async () => {
    const writes = [];
    const storage = { setItem: (key, value) => writes.push(["storage", key, value]) };
    const saved = { localStorage: globalThis.localStorage, sessionStorage: globalThis.sessionStorage };
    globalThis.localStorage = storage;
    globalThis.sessionStorage = storage;
    globalThis.document = {
      get cookie() {
        return "";
      },
      set cookie(value) {
        writes.push(["cookie", value]);
      },
    };
    try {
      const client = makeClient({ readCookie: undefined });
      const events = record(client, "login", "token");
      const user = await client.login("alice", "s3cret");

      assert.deepEqual(user, { id: 1, username: "alice" });
      assert.equal(client.isAuthenticated, true);
      assert.equal(client.getAccessToken(), "access-1");
      assert.equal(client.expiresAt, clock.now() + LIFETIME_SECONDS * 1000);
      assert.deepEqual(writes, []);
      assert.deepEqual(Object.keys(client), []); // nothing enumerable to serialise
      assert.equal(JSON.stringify(client).includes("access-1"), false);
      assert.deepEqual(
        events.map((event) => [event.type, event.source]),
        [
          ["login", "local"],
          ["token", "local"],
        ],
      );
      assert.equal("access_token" in events[1], false, "events never carry the token");
    } finally {
      delete globalThis.document;
      globalThis.localStorage = saved.localStorage;
      globalThis.sessionStorage = saved.sessionStorage;
    }
  });

  test("bad credentials raise invalid_credentials and keep the tab logged out", async () => {
    const client = makeClient();
    await assert.rejects(client.login("alice", "wrong"), (error) => {
      assert.ok(error instanceof AuthClientError);
      assert.equal(error.status, 401);
      assert.equal(error.code, "invalid_credentials");
      return true;
    });
    assert.equal(client.isAuthenticated, false);
  });

  test("an unreachable server on login is a network_error", async () => {
    const client = makeClient();
    server.failNext("login/", "network");
    await assert.rejects(client.login("alice", "s3cret"), { code: "network_error" });
  });
});

describe("authenticated fetch", () => {
  test("adds Authorization: Bearer to API calls", async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    const response = await client.fetch(HELLO_URL, { headers: { Accept: "application/json" } });

    assert.equal(response.status, 200);
    const [call] = server.callsTo("/api/hello/");
    assert.equal(bearerOf(call), "Bearer access-1");
    assert.equal(call.headers.get("Accept"), "application/json");
  });

  test("never sends the access token to another origin", async () => {
    const seen = [];
    const client = makeClient({
      fetch: (input, init) => {
        if (String(input).startsWith("https://elsewhere.test")) {
          seen.push(new Headers(init.headers).get("Authorization"));
          return Promise.resolve(new Response("{}", { status: 200 }));
        }
        return server.fetch(input, init);
      },
    });
    await client.login("alice", "s3cret");
    await client.fetch("https://elsewhere.test/x");
    assert.deepEqual(seen, [null]);
  });

  test("credentials: include goes only to the auth endpoints", async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    await client.fetch(HELLO_URL);
    await client.getUser();
    await client.refresh();
    await client.logoutAll();
    await client.login("alice", "s3cret");
    await client.logout();

    for (const path of ["login/", "refresh/", "logout/"]) {
      const calls = server.callsTo(path);
      assert.ok(calls.length > 0 && calls.every((call) => call.credentials === "include"), path);
    }
    for (const path of ["/api/hello/", "user/", "logout-all/"]) {
      const calls = server.callsTo(path);
      assert.ok(calls.length > 0 && calls.every((call) => call.credentials === undefined), path);
    }
  });

  test("sends the CSRF token from the response body on refresh and logout", async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    await client.refresh();
    await client.logout();
    assert.equal(server.callsTo("refresh/")[0].headers.get("X-CSRFToken"), "csrf-1");
    assert.equal(server.callsTo("logout/")[0].headers.get("X-CSRFToken"), "csrf-2");
  });

  test("a 401 invalid_token causes one refresh and one retry", async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    server.rejectAllAccessTokens();
    const response = await client.fetch(HELLO_URL);

    assert.equal(response.status, 200);
    assert.equal(server.callsTo("refresh/").length, 1);
    assert.deepEqual(server.callsTo("/api/hello/").map(bearerOf), ["Bearer access-1", "Bearer access-2"]);
  });

  test("a second 401 is returned as-is: no refresh loop", { timeout: 2000 }, async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    const stubborn = (input, init) =>
      String(input) === HELLO_URL
        ? server.fetch(input, init).then(
            () =>
              new Response(JSON.stringify({ detail: "Expired.", code: "token_expired" }), {
                status: 401,
                headers: { "Content-Type": "application/json" },
              }),
          )
        : server.fetch(input, init);
    const looping = makeClient({ fetch: stubborn });
    await looping.login("alice", "s3cret");
    const callsBefore = server.callsTo("refresh/").length;

    const response = await looping.fetch(HELLO_URL);

    assert.equal(response.status, 401);
    assert.equal(server.callsTo("refresh/").length - callsBefore, 1);
    assert.equal(server.callsTo("/api/hello/").length, 2);
    assert.equal(looping.isAuthenticated, true);
    client.destroy();
  });

  test("a 401 that is not about the access token is not retried", async () => {
    const client = makeClient({
      fetch: (input, init) =>
        String(input) === HELLO_URL
          ? Promise.resolve(new Response('{"detail":"No.","code":"permission_denied"}', { status: 401 }))
          : server.fetch(input, init),
    });
    await client.login("alice", "s3cret");
    const response = await client.fetch(HELLO_URL);
    assert.equal(response.status, 401);
    assert.equal(server.callsTo("refresh/").length, 0);
  });
});

describe("refresh", () => {
  test("single flight: 10 concurrent calls with an expiring token cause one refresh", async () => {
    const client = makeClient({ autoRefresh: false });
    await client.login("alice", "s3cret");
    ageTokens(LIFETIME_SECONDS - SKEW_SECONDS + 1);

    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch(HELLO_URL)));

    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.callsTo("refresh/").length, 1);
    assert.ok(server.callsTo("/api/hello/").every((call) => bearerOf(call) === "Bearer access-2"));
  });

  test("single flight also covers 10 concurrent 401s", async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    server.rejectAllAccessTokens();
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch(HELLO_URL)));
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.callsTo("refresh/").length, 1);
  });

  test("refreshes proactively on a timer, shortly before expiry", async () => {
    const client = makeClient();
    const events = record(client, "refresh");
    await client.login("alice", "s3cret");

    await clock.advance((LIFETIME_SECONDS - SKEW_SECONDS) * 1000 - 1);
    assert.equal(server.callsTo("refresh/").length, 0);
    await clock.advance(1);
    assert.equal(server.callsTo("refresh/").length, 1);
    assert.deepEqual(
      events.map((event) => [event.type, event.source]),
      [["refresh", "local"]],
    );
    assert.equal(client.expiresAt, clock.now() + LIFETIME_SECONDS * 1000);

    await clock.advance((LIFETIME_SECONDS - SKEW_SECONDS) * 1000);
    assert.equal(server.callsTo("refresh/").length, 2, "keeps going while the tab is open");
  });

  test("a short-lived token refreshes at half its lifetime, not in a loop", async () => {
    server.lifetimeSeconds = 20; // shorter than the 30 s skew
    const client = makeClient();
    await client.login("alice", "s3cret");
    await clock.advance(9_999);
    assert.equal(server.callsTo("refresh/").length, 0);
    await clock.advance(1);
    assert.equal(server.callsTo("refresh/").length, 1);
  });

  test("fetch refreshes first when the token is about to expire", async () => {
    const client = makeClient({ autoRefresh: false });
    await client.login("alice", "s3cret");
    ageTokens(LIFETIME_SECONDS - SKEW_SECONDS - 1);
    await client.fetch(HELLO_URL);
    assert.equal(server.callsTo("refresh/").length, 0);
    ageTokens(2);
    await client.fetch(HELLO_URL);
    assert.equal(server.callsTo("refresh/").length, 1);
    assert.equal(bearerOf(server.callsTo("/api/hello/")[1]), "Bearer access-2");
  });

  test("a refresh 401 clears the state and emits logout(refresh_failed)", async () => {
    const client = makeClient();
    const events = record(client, "logout");
    await client.login("alice", "s3cret");
    server.currentRefresh = null; // revoked server-side
    server.rejectAllAccessTokens();

    const response = await client.fetch(HELLO_URL);

    assert.equal(response.status, 401);
    assert.equal(client.isAuthenticated, false);
    assert.equal(client.user, null);
    assert.equal(client.expiresAt, null);
    assert.deepEqual(events, [
      { type: "logout", reason: "refresh_failed", everywhere: false, cause: "refresh_token_reused" },
    ]);
    assert.equal(server.callsTo("refresh/").length, 1);
  });

  test("a stale CSRF token is replaced from csrf/ and the refresh retried once", async () => {
    const client = makeClient();
    const events = record(client, "logout", "refresh");
    await client.login("alice", "s3cret");
    server.csrf = "csrf-rotated"; // e.g. a login to the Django admin on the API's host

    assert.equal(await client.refresh(), true);

    const refreshes = server.callsTo("refresh/");
    assert.deepEqual(
      refreshes.map((call) => call.headers.get("X-CSRFToken")),
      ["csrf-1", "csrf-rotated"],
    );
    const [csrfCall] = server.callsTo("csrf/");
    assert.equal(csrfCall.method, "GET");
    assert.equal(csrfCall.credentials, "include");
    assert.deepEqual(
      events.map((event) => event.type),
      ["refresh"],
    );
  });

  test("a refresh 403 csrf_failed that a fresh token cannot fix ends the session", async () => {
    const client = makeClient();
    const events = record(client, "logout");
    await client.login("alice", "s3cret");
    server.csrf = "something-else";
    server.failNext("csrf/", 404); // e.g. an older server without csrf/
    assert.equal(await client.refresh(), false);
    assert.equal(events[0].cause, "csrf_failed");
    assert.equal(server.callsTo("refresh/").length, 1, "no retry without a new token");
  });

  test("network errors are retried with backoff and do not log out", async () => {
    const client = makeClient({ autoRefresh: false });
    const events = record(client, "logout");
    await client.login("alice", "s3cret");
    server.failNext("refresh/", "network", 2);

    const pending = client.refresh();
    await flush();
    assert.equal(server.callsTo("refresh/").length, 1);
    await clock.advance(999);
    assert.equal(server.callsTo("refresh/").length, 1, "waits the first backoff delay");
    await clock.advance(1);
    assert.equal(server.callsTo("refresh/").length, 2);
    await clock.advance(2000);
    assert.equal(server.callsTo("refresh/").length, 3);

    assert.equal(await pending, true);
    assert.equal(client.getAccessToken(), "access-2");
    assert.deepEqual(events, []);
  });

  test("5xx and 429 are retried too", async () => {
    const client = makeClient({ autoRefresh: false });
    await client.login("alice", "s3cret");
    server.failNext("refresh/", 503);
    server.failNext("refresh/", 429);
    const pending = client.refresh();
    await clock.advance(3000);
    assert.equal(await pending, true);
    assert.equal(server.callsTo("refresh/").length, 3);
  });

  test("retries are bounded; the session survives an outage", async () => {
    const client = makeClient({ autoRefresh: false });
    const events = record(client, "logout");
    await client.login("alice", "s3cret");
    server.failNext("refresh/", "network", 10);

    const pending = client.refresh();
    const outcome = assert.rejects(pending, { code: "network_error" });
    await clock.advance(7000);
    await outcome;
    assert.equal(server.callsTo("refresh/").length, 4, "1 try + 3 retries");
    assert.equal(client.isAuthenticated, true);
    assert.deepEqual(events, []);
  });

  test("a failing background refresh emits error and tries again later", async () => {
    const client = makeClient({ backgroundRetryMs: 10_000 });
    const errors = record(client, "error");
    await client.login("alice", "s3cret");
    server.failNext("refresh/", "network", 4);
    await clock.advance((LIFETIME_SECONDS - SKEW_SECONDS) * 1000 + 7000);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].during, "background_refresh");
    await clock.advance(10_000);
    assert.equal(server.callsTo("refresh/").length, 5);
    assert.equal(client.getAccessToken(), "access-2");
  });
});

describe("restore, user, logout", () => {
  test("restore with no cookie resolves null without a logout event", async () => {
    const client = makeClient();
    const events = record(client, "logout", "login");
    assert.equal(await client.restore(), null);
    assert.equal(client.isAuthenticated, false);
    assert.deepEqual(events, []);
  });

  test("restore after a reload logs back in from the cookie", async () => {
    const first = makeClient();
    await first.login("alice", "s3cret");
    first.destroy(); // the page goes away; the cookie jar stays

    const client = makeClient({ readCookie: (name) => (name === "csrftoken" ? server.csrf : null) });
    const events = record(client, "login");
    const user = await client.restore();

    assert.deepEqual(user, { id: 1, username: "alice" });
    assert.equal(client.isAuthenticated, true);
    assert.deepEqual(events, [{ type: "login", user, source: "restore" }]);
    assert.equal(server.callsTo("refresh/")[0].headers.get("X-CSRFToken"), "csrf-1", "fell back to the cookie");
  });

  test("restore after a reload gets a CSRF token from csrf/ when the cookie is unreadable", async () => {
    const first = makeClient();
    await first.login("alice", "s3cret");
    first.destroy(); // memory is gone; the API's csrftoken cookie is on another host

    const client = makeClient({ readCookie: () => null });
    const user = await client.restore();

    assert.deepEqual(user, { id: 1, username: "alice" });
    assert.deepEqual(
      server.calls.slice(-3).map((call) => `${call.method} ${call.path}`),
      ["GET csrf/", "POST refresh/", "GET user/"],
    );
    assert.equal(server.callsTo("csrf/")[0].credentials, "include", "the token must pair with the cookie");
    assert.equal(server.callsTo("refresh/")[0].headers.get("X-CSRFToken"), "csrf-1");
    assert.equal(await client.refresh(), true, "then uses the token from the refresh body");
    assert.equal(server.callsTo("csrf/").length, 1);
  });

  test("memory, then the cookie, then csrf/: the cookie saves a request", async () => {
    const first = makeClient();
    await first.login("alice", "s3cret");
    first.destroy();
    const client = makeClient({ readCookie: (name) => (name === "csrftoken" ? server.csrf : null) });
    await client.restore();
    assert.equal(server.callsTo("csrf/").length, 0);
  });

  test("logout with a stale CSRF token retries with a fresh one, so the cookie really goes", async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    server.csrf = "csrf-rotated";
    assert.equal(await client.logout(), true);
    assert.equal(server.jar, null);
    assert.equal(server.currentRefresh, null);
    assert.equal(server.callsTo("logout/").length, 2);
    assert.equal(await client.restore(), null, "a reload does not log back in");
  });

  test("logout after a reload without a readable cookie still revokes the session", async () => {
    const first = makeClient();
    await first.login("alice", "s3cret");
    first.destroy();
    const client = makeClient({ readCookie: () => null, autoRefresh: false });
    await client.restore();
    assert.equal(await client.logout(), true);
    assert.equal(server.callsTo("logout/")[0].headers.get("X-CSRFToken"), "csrf-2");
    assert.equal(server.currentRefresh, null);
  });

  test("logout forgets the token, tells the server and emits logout(local)", async () => {
    const client = makeClient();
    const events = record(client, "logout");
    await client.login("alice", "s3cret");
    assert.equal(await client.logout(), true);
    assert.equal(client.isAuthenticated, false);
    assert.equal(server.jar, null);
    assert.deepEqual(events, [{ type: "logout", reason: "local", everywhere: false, cause: null }]);
    assert.equal(await client.restore(), null);
  });

  test("logout still clears local state when the server is unreachable", async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    server.failNext("logout/", "network");
    assert.equal(await client.logout(), false);
    assert.equal(client.isAuthenticated, false);
  });

  test("reauthenticate swaps in the new access token; a wrong password keeps the session", async () => {
    const client = makeClient();
    await client.login("alice", "s3cret");
    await assert.rejects(client.reauthenticate("wrong"), (error) => error.code === "invalid_credentials");
    assert.equal(client.isAuthenticated, true);
    assert.equal(server.callsTo("refresh/").length, 0); // invalid_credentials is not a bad token
    await client.reauthenticate("s3cret");
    const call = server.callsTo("reauthenticate/").at(-1);
    assert.equal(bearerOf(call), "Bearer access-1");
    assert.deepEqual(JSON.parse(call.body), { password: "s3cret" });
    await client.fetch(HELLO_URL);
    assert.equal(bearerOf(server.callsTo("/api/hello/").at(-1)), "Bearer access-2");
  });

  test("logoutAll revokes everything and emits logout(everywhere)", async () => {
    const client = makeClient();
    const events = record(client, "logout");
    await client.login("alice", "s3cret");
    await client.logoutAll();
    assert.equal(client.isAuthenticated, false);
    assert.equal(bearerOf(server.callsTo("logout-all/")[0]), "Bearer access-1");
    assert.equal(events[0].everywhere, true);
  });

  test("a listener that throws does not break the client", async () => {
    const client = makeClient();
    const reported = [];
    const saved = globalThis.reportError;
    globalThis.reportError = (error) => reported.push(error.message);
    try {
      client.on("login", () => {
        throw new Error("boom");
      });
      await client.login("alice", "s3cret");
      assert.equal(client.isAuthenticated, true);
      assert.deepEqual(reported, ["boom"]);
    } finally {
      globalThis.reportError = saved;
    }
  });

  test("on() returns an unsubscribe function", async () => {
    const client = makeClient();
    const seen = [];
    const off = client.on("login", (event) => seen.push(event.type));
    off();
    await client.login("alice", "s3cret");
    assert.deepEqual(seen, []);
  });
});

describe("across tabs", () => {
  function makeTabs(count, { withLocks = true } = {}) {
    const hub = createChannelHub();
    const locks = withLocks ? createLockManager() : null;
    const tabs = Array.from({ length: count }, (_, index) =>
      makeClient({ BroadcastChannel: hub.BroadcastChannel, locks, tabId: `tab-${index}` }),
    );
    return { tabs, hub };
  }

  test("login in one tab logs in the others, sharing the token", async () => {
    const { tabs } = makeTabs(2);
    const events = record(tabs[1], "login");
    await tabs[0].login("alice", "s3cret");
    await flush();
    assert.equal(tabs[1].isAuthenticated, true);
    assert.deepEqual(tabs[1].user, { id: 1, username: "alice" });
    assert.equal(events[0].source, "remote");
  });

  test("N tabs refreshing at once cause ONE rotation and share the new token", async () => {
    const { tabs, hub } = makeTabs(3);
    await tabs[0].login("alice", "s3cret");
    await flush();
    ageTokens(LIFETIME_SECONDS - SKEW_SECONDS + 1);

    const responses = await Promise.all(tabs.flatMap((tab) => [tab.fetch(HELLO_URL), tab.fetch(HELLO_URL)]));

    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.callsTo("refresh/").length, 1);
    assert.ok(tabs.every((tab) => tab.getAccessToken() === "access-2"));
    assert.ok(server.callsTo("/api/hello/").every((call) => bearerOf(call) === "Bearer access-2"));
    const token = hub.sent.find((message) => message.type === "token" && message.kind === "refresh");
    assert.equal(token.expires_in, LIFETIME_SECONDS);
    assert.equal(token.csrf_token, "csrf-2");
  });

  test("background timers in several tabs cause one rotation", async () => {
    const { tabs } = makeTabs(3);
    const remote = record(tabs[2], "refresh");
    await tabs[0].login("alice", "s3cret");
    await flush();
    await clock.advance((LIFETIME_SECONDS - SKEW_SECONDS) * 1000 + 100);
    assert.equal(server.callsTo("refresh/").length, 1);
    assert.ok(tabs.every((tab) => tab.getAccessToken() === "access-2"));
    assert.ok(tabs.every((tab) => tab.isAuthenticated));
    assert.equal(remote.length, 1);
  });

  test("without Web Locks, BroadcastChannel claims still give one rotation", async () => {
    const { tabs } = makeTabs(3, { withLocks: false });
    await tabs[0].login("alice", "s3cret");
    await flush();
    ageTokens(LIFETIME_SECONDS - SKEW_SECONDS + 1);

    server.refreshLatencyMs = 50; // the winner's refresh is still in flight when the others wake

    const pending = Promise.all(tabs.map((tab) => tab.fetch(HELLO_URL)));
    await clock.advance(200); // the claim window, then the refresh
    const responses = await pending;

    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.callsTo("refresh/").length, 1);
    assert.ok(tabs.every((tab) => tab.getAccessToken() === "access-2"));
  });

  test("without Web Locks, a tab that sees a peer's claim waits for its token", async () => {
    const { tabs } = makeTabs(2, { withLocks: false });
    await tabs[0].login("alice", "s3cret");
    await flush();
    ageTokens(LIFETIME_SECONDS - SKEW_SECONDS + 1);
    server.refreshLatencyMs = 500;

    const first = tabs[0].fetch(HELLO_URL);
    await clock.advance(200); // tab 0 has claimed and its refresh is in flight
    const second = tabs[1].fetch(HELLO_URL);
    await clock.advance(500);
    const responses = await Promise.all([first, second]);

    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.callsTo("refresh/").length, 1);
  });

  test("a new tab's restore shares its rotation (and CSRF token) with open tabs", async () => {
    const hub = createChannelHub();
    const locks = createLockManager();
    const options = { BroadcastChannel: hub.BroadcastChannel, locks };
    const first = makeClient(options);
    await first.login("alice", "s3cret");
    const second = makeClient({ ...options, readCookie: () => server.csrf });

    assert.deepEqual(await second.restore(), { id: 1, username: "alice" });
    await flush();
    assert.equal(first.getAccessToken(), "access-2");
    assert.equal(await first.refresh(), true, "the open tab uses the new CSRF token");
    assert.equal(server.callsTo("refresh/").length, 2);
  });

  test("logout in one tab logs out the others with reason remote", async () => {
    const { tabs } = makeTabs(2);
    const events = record(tabs[1], "logout");
    await tabs[0].login("alice", "s3cret");
    await flush();
    await tabs[0].logout();
    await flush();
    assert.equal(tabs[1].isAuthenticated, false);
    assert.deepEqual(events, [{ type: "logout", reason: "remote", everywhere: false, cause: "local" }]);
  });

  test("a failed refresh in one tab logs out the others", async () => {
    const { tabs } = makeTabs(2);
    const events = record(tabs[1], "logout");
    await tabs[0].login("alice", "s3cret");
    await flush();
    server.currentRefresh = null;
    await tabs[0].refresh();
    await flush();
    assert.equal(tabs[1].isAuthenticated, false);
    assert.equal(events[0].reason, "remote");
    assert.equal(events[0].cause, "refresh_failed");
  });

  test("a tab waiting on the lock does not refresh after the holder logged out", async () => {
    const { tabs } = makeTabs(2);
    await tabs[0].login("alice", "s3cret");
    await flush();
    ageTokens(LIFETIME_SECONDS - SKEW_SECONDS + 1);
    server.currentRefresh = null; // the holder's refresh will fail
    const results = await Promise.all(tabs.map((tab) => tab.refresh()));
    assert.deepEqual(results, [false, false]);
    assert.equal(server.callsTo("refresh/").length, 1);
  });
});

describe("acceptLogin (a login made elsewhere, e.g. django-allauth headless)", () => {
  test("adopts the tokens, loads the user, then refreshes from the cookie that login set", async () => {
    const client = makeClient();
    const events = record(client, "login", "refresh");
    const meta = server.loginElsewhere("alice");

    const user = await client.acceptLogin(meta);

    assert.deepEqual(user, { id: 1, username: "alice" });
    assert.equal(client.isAuthenticated, true);
    assert.equal(client.getAccessToken(), "access-1");
    assert.equal(server.callsTo("user/").length, 1);
    assert.equal(bearerOf(server.callsTo("user/")[0]), "Bearer access-1");
    assert.deepEqual(events, [{ type: "login", user, source: "local" }], "one login event, no refresh");

    // The refresh token stays jwtauth's: refresh/ with the cookie and the CSRF token from meta.
    assert.equal(await client.refresh(), true);
    assert.equal(server.callsTo("refresh/")[0].headers.get("X-CSRFToken"), "csrf-1");
    assert.equal(client.getAccessToken(), "access-2");
  });

  test("logout() ends such a session like any other", async () => {
    const client = makeClient();
    await client.acceptLogin(server.loginElsewhere("alice"));
    assert.equal(await client.logout(), true);
    assert.equal(server.jar, null);
    assert.equal(server.currentRefresh, null);
    assert.equal(client.isAuthenticated, false);
  });

  test("other tabs learn of it as of a login", async () => {
    const hub = createChannelHub();
    const tabs = [0, 1].map((index) => makeClient({ BroadcastChannel: hub.BroadcastChannel, tabId: `tab-${index}` }));
    const events = record(tabs[1], "login");
    await tabs[0].acceptLogin(server.loginElsewhere("alice"));
    await flush();
    assert.equal(tabs[1].isAuthenticated, true);
    assert.deepEqual(tabs[1].user, { id: 1, username: "alice" });
    assert.equal(events[0].source, "remote");
  });

  test("a response without an access token is refused and changes nothing", async () => {
    const client = makeClient();
    const events = record(client, "login", "token");
    await assert.rejects(
      client.acceptLogin({ is_authenticated: false, session_token: "pending" }),
      (error) => error instanceof AuthClientError && error.code === "bad_response",
    );
    assert.equal(client.isAuthenticated, false);
    assert.deepEqual(events, []);
    assert.equal(server.calls.length, 0);
  });
});
