// Test doubles: a clock you advance, a fake jwtauth server behind a fake fetch, and fake
// BroadcastChannel / Web Locks that several client instances ("tabs") can share.

export const API = "http://api.test";
export const AUTH_BASE = `${API}/api/auth/`;
export const HELLO_URL = `${API}/api/hello/`;

/** Let pending promise chains and setImmediate callbacks (channel deliveries) run. */
export async function flush(rounds = 30) {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A clock whose timers fire only when the test advances time. */
export class FakeClock {
  constructor(startMs = 1_700_000_000_000) {
    this.time = startMs;
    this.timers = new Map();
    this.nextId = 1;
    this.now = () => this.time;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.time + Math.max(0, ms ?? 0), fn });
      return id;
    };
    this.clearTimeout = (id) => {
      this.timers.delete(id);
    };
  }

  /** Advance time by `ms`, firing due timers in order and letting async work settle between them. */
  async advance(ms) {
    const target = this.time + ms;
    for (;;) {
      await flush();
      let nextId = null;
      let next = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= target && (next === null || timer.at < next.at)) {
          nextId = id;
          next = timer;
        }
      }
      if (next === null) break;
      this.timers.delete(nextId);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = target;
    await flush();
  }
}

function json(status, body, headers = {}) {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: body === null ? headers : { "Content-Type": "application/json", ...headers },
  });
}

function bearerError(code, description) {
  return json(
    401,
    { detail: description, code },
    { "WWW-Authenticate": `Bearer realm="api", error="invalid_token", error_description="${description}"` },
  );
}

/**
 * A strict in-memory jwtauth server with one browser cookie jar shared by every tab.
 * Strict: presenting a replaced refresh token is `refresh_token_reused` (no grace period), so any
 * double rotation by the client shows up as a failure.
 */
export class FakeServer {
  constructor(clock, { lifetimeSeconds = 300 } = {}) {
    this.clock = clock;
    this.lifetimeSeconds = lifetimeSeconds;
    this.users = new Map([["alice", { id: 1, username: "alice", password: "s3cret" }]]);
    this.calls = [];
    this.accessTokens = new Map(); // token -> { username, exp }
    this.currentRefresh = null; // server side: the live refresh token
    this.jar = null; // browser side: the refresh cookie value
    this.csrf = "csrf-0";
    this.counter = 0;
    this.failures = []; // queued failures: { path, kind: "network" | number }
    this.refreshLatencyMs = 0; // fake-clock time a refresh takes, to overlap tabs' requests
    this.fetch = (input, init = {}) => this.#handle(String(input), init);
  }

  callsTo(path) {
    return this.calls.filter((call) => call.path === path);
  }

  /** Make the next `count` calls to `path` fail with a thrown error or an HTTP status. */
  failNext(path, kind, count = 1) {
    for (let i = 0; i < count; i += 1) this.failures.push({ path, kind });
  }

  /**
   * A login through another endpoint of the server (django-allauth headless with jwtauth's token
   * strategy): returns the response's `meta` and, like that response, sets the refresh cookie.
   */
  loginElsewhere(username) {
    const body = this.#issue(username);
    this.refreshOwner = username;
    this.jar = this.currentRefresh;
    return { is_authenticated: true, session_token: "allauth-session", ...body };
  }

  /** Server-side revocation of all access tokens (e.g. the signing key changed). */
  rejectAllAccessTokens() {
    this.accessTokens.clear();
  }

  #issue(username) {
    this.counter += 1;
    const accessToken = `access-${this.counter}`;
    this.accessTokens.set(accessToken, { username, exp: this.clock.now() + this.lifetimeSeconds * 1000 });
    this.currentRefresh = `refresh-${this.counter}`;
    this.csrf = `csrf-${this.counter}`;
    return { access_token: accessToken, token_type: "Bearer", expires_in: this.lifetimeSeconds, csrf_token: this.csrf };
  }

  #authenticate(headers) {
    const match = /^Bearer (.+)$/.exec(headers.get("Authorization") ?? "");
    if (!match) return { error: json(401, { detail: "Authentication required.", code: "not_authenticated" }) };
    const entry = this.accessTokens.get(match[1]);
    if (!entry) return { error: bearerError("token_invalid", "The access token is invalid.") };
    if (entry.exp <= this.clock.now()) return { error: bearerError("token_expired", "The access token has expired.") };
    return { user: this.users.get(entry.username) };
  }

  async #handle(url, init) {
    await new Promise((resolve) => setImmediate(resolve)); // responses are asynchronous
    const path = new URL(url).pathname.replace(/^\/api\/auth\//, "");
    const headers = new Headers(init.headers);
    const withCredentials = init.credentials === "include";
    this.calls.push({ url, path, method: init.method ?? "GET", headers, credentials: init.credentials, body: init.body });

    const failureIndex = this.failures.findIndex((failure) => failure.path === path);
    if (failureIndex !== -1) {
      const [failure] = this.failures.splice(failureIndex, 1);
      if (failure.kind === "network") throw new TypeError("Failed to fetch");
      return json(failure.kind, { detail: "Unavailable.", code: "server_error" });
    }
    const cookie = withCredentials ? this.jar : null;
    if (path === "refresh/" && this.refreshLatencyMs > 0) {
      await new Promise((resolve) => this.clock.setTimeout(resolve, this.refreshLatencyMs));
    }

    switch (path) {
      case "login/": {
        const { username, password } = JSON.parse(init.body);
        const user = this.users.get(username);
        if (!user || user.password !== password) {
          return json(401, { detail: "Invalid username or password.", code: "invalid_credentials" });
        }
        const body = this.#issue(username);
        this.refreshOwner = username;
        if (withCredentials) this.jar = this.currentRefresh;
        return json(200, { ...body, user: { id: user.id, username } });
      }
      case "refresh/": {
        if (!cookie) return json(401, { detail: "No refresh token.", code: "refresh_token_missing" });
        if (headers.get("X-CSRFToken") !== this.csrf) return json(403, { detail: "CSRF failed.", code: "csrf_failed" });
        if (cookie !== this.currentRefresh) {
          this.currentRefresh = null; // reuse: revoke the whole family
          return json(401, { detail: "Refresh token reused.", code: "refresh_token_reused" });
        }
        const body = this.#issue(this.refreshOwner);
        this.jar = this.currentRefresh;
        return json(200, body);
      }
      case "logout/": {
        if (cookie && headers.get("X-CSRFToken") !== this.csrf) {
          return json(403, { detail: "CSRF failed.", code: "csrf_failed" });
        }
        if (cookie === this.currentRefresh) this.currentRefresh = null;
        this.jar = null;
        return json(204, null);
      }
      case "logout-all/": {
        const { error } = this.#authenticate(headers);
        if (error) return error;
        const revoked = this.accessTokens.size;
        this.currentRefresh = null;
        this.accessTokens.clear();
        return json(200, { revoked });
      }
      case "reauthenticate/": {
        const { error, user } = this.#authenticate(headers);
        if (error) return error;
        const { password } = JSON.parse(init.body);
        if (user.password !== password) {
          return json(401, { detail: "Unable to log in with the provided credentials.", code: "invalid_credentials" });
        }
        this.counter += 1;
        const accessToken = `access-${this.counter}`;
        this.accessTokens.set(accessToken, { username: user.username, exp: this.clock.now() + this.lifetimeSeconds * 1000 });
        this.reauthenticatedAt = this.clock.now();
        return json(200, { access_token: accessToken, token_type: "Bearer", expires_in: this.lifetimeSeconds });
      }
      case "csrf/": {
        // With credentials the token pairs with the browser's csrftoken cookie. Without them the
        // browser would drop the Set-Cookie of a cross-origin response: the token pairs with nothing.
        return json(200, { csrf_token: withCredentials ? this.csrf : "csrf-unpaired" });
      }
      case "user/": {
        const { error, user } = this.#authenticate(headers);
        if (error) return error;
        return json(200, { user: { id: user.id, username: user.username } });
      }
      case "/api/hello/": {
        const { error, user } = this.#authenticate(headers);
        if (error) return error;
        return json(200, { message: "Hello", user: user.username, token: headers.get("Authorization") });
      }
      default:
        return json(404, { detail: "Not found.", code: "not_found" });
    }
  }
}

/** BroadcastChannel look-alike: delivers structured clones to other instances, asynchronously. */
export function createChannelHub() {
  const open = new Set();
  const sent = [];
  class FakeBroadcastChannel {
    constructor(name) {
      this.name = name;
      this.onmessage = null;
      open.add(this);
    }

    postMessage(data) {
      const copy = structuredClone(data);
      sent.push(copy);
      for (const other of open) {
        if (other === this || other.name !== this.name) continue;
        setImmediate(() => {
          if (open.has(other)) other.onmessage?.({ data: structuredClone(copy) });
        });
      }
    }

    close() {
      open.delete(this);
    }
  }
  return { BroadcastChannel: FakeBroadcastChannel, sent };
}

/** navigator.locks look-alike: exclusive locks with a FIFO queue and `ifAvailable`. */
export function createLockManager() {
  const held = new Set();
  const queues = new Map();
  return {
    async request(name, options, callback) {
      if (typeof options === "function") {
        callback = options;
        options = {};
      }
      if (held.has(name)) {
        if (options.ifAvailable) return callback(null);
        if (!queues.has(name)) queues.set(name, []);
        await new Promise((resolve) => queues.get(name).push(resolve));
      }
      held.add(name);
      try {
        return await callback({ name, mode: "exclusive" });
      } finally {
        const next = queues.get(name)?.shift();
        if (next) next(); // hand over without releasing
        else held.delete(name);
      }
    },
  };
}
