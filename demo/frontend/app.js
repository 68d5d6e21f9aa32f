// jwtauth demo SPA: plain ES module, no build step.
// The demo server serves this folder at / and clients/js/src/ at /client/.
import { createAuthClient } from "/client/jwtauth.js";

const API = String(window.JWTAUTH_API ?? "http://localhost:8000").replace(/\/+$/, "");
// With DEMO_DPOP=required the server binds tokens to this origin's non-extractable key (DPoP).
const auth = createAuthClient({ baseUrl: `${API}/api/auth/`, dpop: Boolean(window.JWTAUTH_DPOP) });

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"),
  notice: $("notice"),
  loginSection: $("login-section"),
  loginForm: $("login-form"),
  username: $("username"),
  password: $("password"),
  loginButton: $("login-button"),
  loginError: $("login-error"),
  sessionSection: $("session-section"),
  user: $("user"),
  userJson: $("user-json"),
  tokenExpiry: $("token-expiry"),
  tokenRefreshed: $("token-refreshed"),
  csrfSource: $("csrf-source"),
  callApiButton: $("call-api-button"),
  refreshButton: $("refresh-button"),
  logoutButton: $("logout-button"),
  logoutAllButton: $("logout-all-button"),
  apiResult: $("api-result"),
  eventLog: $("event-log"),
};

const MAX_LOG_ENTRIES = 50;
// Not a secret: only "this browser had a session here". Without it every logged-out page load
// would try a silent refresh and get the expected 401 refresh_token_missing, which browsers
// print in the console as a failed resource load. Tokens never go to web storage.
const SESSION_HINT_KEY = "jwtauth-demo:has-session";

// Where the X-CSRFToken header's value came from. The refresh/ and logout/ endpoints need it
// because the browser sends the refresh cookie on its own; the token proves the request comes
// from this page. It is not a secret from the page.
const CSRF_SOURCES = {
  "login-body": "from the login/ response body (csrf_token), kept in memory",
  "refresh-body": "from the last refresh/ response body (csrf_token), kept in memory",
  "other-tab": "from another tab's login or refresh, over BroadcastChannel, kept in memory",
  cookie:
    "read from the API's csrftoken cookie for the start-up refresh/ (readable here: this page and " +
    "the API are both on localhost, and cookies ignore ports), then from its response body",
  "csrf-endpoint":
    "fetched from GET /api/auth/csrf/ for the start-up refresh/ (the API's cookie is not readable " +
    "from this origin), then from its response body",
};
const LOGIN_ERRORS = {
  invalid_credentials: "Wrong username or password.",
  throttled: "Too many attempts. Please wait a moment and try again.",
  network_error: `Cannot reach the server at ${API}.`,
};

// ------------------------------------------------------------------ rendering

function render() {
  const isLoggedIn = auth.isAuthenticated;
  ui.status.dataset.state = isLoggedIn ? "logged-in" : "logged-out";
  if (ui.status.getAttribute("aria-busy") !== "true") {
    ui.status.textContent = isLoggedIn ? `Logged in as ${auth.user?.username ?? "…"}` : "Logged out";
  }
  const isChecking = ui.status.getAttribute("aria-busy") === "true"; // restore() still running
  ui.loginSection.hidden = isChecking || isLoggedIn;
  ui.sessionSection.hidden = isChecking || !isLoggedIn;
  ui.user.textContent = auth.user?.username ?? "";
  ui.userJson.textContent = auth.user ? JSON.stringify(auth.user, null, 2) : "";
  if (!isLoggedIn) {
    ui.apiResult.textContent = "Not called yet.";
    delete ui.apiResult.dataset.status;
    renderRefreshed(null);
    renderCsrfSource(null);
  }
  renderExpiry();
}

function renderCsrfSource(source) {
  if (source === null) {
    delete ui.csrfSource.dataset.source;
    ui.csrfSource.textContent = "";
    return;
  }
  ui.csrfSource.dataset.source = source;
  ui.csrfSource.textContent = CSRF_SOURCES[source];
}

function hasCsrfCookie() {
  return document.cookie.split(";").some((part) => part.trim().startsWith("csrftoken="));
}

function rememberSession(isLoggedIn) {
  try {
    if (isLoggedIn) localStorage.setItem(SESSION_HINT_KEY, "1");
    else localStorage.removeItem(SESSION_HINT_KEY);
  } catch {
    // Storage disabled: every load then tries the silent refresh, which still works.
  }
}

function hasSessionHint() {
  try {
    return localStorage.getItem(SESSION_HINT_KEY) === "1";
  } catch {
    return true; // cannot tell: try the silent refresh
  }
}

// "Last refresh": when and how this tab last obtained its access token from refresh/ (null: not
// yet). "restore" is the start-up refresh from the cookie, e.g. in a second tab.
function renderRefreshed(source) {
  if (source === null) {
    ui.tokenRefreshed.dataset.count = "0";
    delete ui.tokenRefreshed.dataset.source;
    ui.tokenRefreshed.textContent = "Not yet";
    ui.tokenRefreshed.removeAttribute("title");
    return;
  }
  const count = Number(ui.tokenRefreshed.dataset.count ?? "0") + 1;
  ui.tokenRefreshed.dataset.count = String(count);
  ui.tokenRefreshed.dataset.source = source;
  const where = {
    remote: "by another tab",
    local: "silently, in this tab",
    restore: "on page load, from the refresh cookie",
  }[source];
  ui.tokenRefreshed.textContent = `${new Date().toLocaleTimeString()}, ${where}`;
  ui.tokenRefreshed.title = `${count} refresh${count === 1 ? "" : "es"} since this page loaded or logged in`;
}

// Shows when the access token expires (never the token itself).
function renderExpiry() {
  const expiresAt = auth.expiresAt;
  if (expiresAt === null) {
    ui.tokenExpiry.textContent = "";
    delete ui.tokenExpiry.dataset.expiresAt;
    return;
  }
  const seconds = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
  const clock = new Date(expiresAt).toLocaleTimeString();
  ui.tokenExpiry.textContent = `Expires in ${formatDuration(seconds)} (at ${clock})`;
  ui.tokenExpiry.dataset.expiresAt = String(expiresAt);
  // "DPoP": the token is bound to this origin's key (useless elsewhere); "Bearer" otherwise.
  ui.tokenExpiry.dataset.tokenType = auth.tokenType;
  if (auth.tokenType === "DPoP") ui.tokenExpiry.textContent += " · DPoP-bound";
}

function formatDuration(totalSeconds) {
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = String(totalSeconds % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

function showNotice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = !text;
}

function showLoginError(text) {
  ui.loginError.textContent = text;
  ui.loginError.hidden = !text;
}

function log(text, { kind = "info", event = "" } = {}) {
  const item = document.createElement("li");
  item.dataset.kind = kind;
  if (event) item.dataset.event = event;
  const time = document.createElement("time");
  const now = new Date();
  time.dateTime = now.toISOString();
  time.textContent = now.toLocaleTimeString();
  const message = document.createElement("span");
  message.textContent = text;
  item.append(time, message);
  ui.eventLog.prepend(item);
  while (ui.eventLog.children.length > MAX_LOG_ENTRIES) ui.eventLog.lastElementChild.remove();
}

/** Run an action with its button disabled, so double clicks do not double-submit. */
async function busy(button, action) {
  button.disabled = true;
  try {
    await action();
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ client events

let restoreCsrfSource = "cookie"; // set by start() before restore()

auth.on("login", ({ user, source }) => {
  showNotice("");
  rememberSession(true);
  // A fresh login is not a refresh; a restore is one (a rotation from the cookie).
  renderRefreshed(null);
  if (source === "restore") renderRefreshed("restore");
  renderCsrfSource({ local: "login-body", remote: "other-tab", restore: restoreCsrfSource }[source]);
  const name = user?.username ?? "unknown user";
  const text = {
    local: `Logged in as ${name}`,
    remote: `Logged in as ${name} in another tab`,
    restore: `Session restored for ${name} from the refresh cookie`,
  }[source];
  log(text, { event: `login-${source}` });
  render();
});

auth.on("refresh", ({ source }) => {
  log(
    source === "remote"
      ? "Received a fresh access token from another tab"
      : "Access token refreshed silently",
    { event: `refresh-${source}` },
  );
  renderRefreshed(source);
  renderCsrfSource(source === "remote" ? "other-tab" : "refresh-body");
  render();
});

auth.on("logout", ({ reason, everywhere, cause }) => {
  rememberSession(false);
  if (reason === "local") {
    log(everywhere ? "Logged out everywhere: every session revoked" : "Logged out", { event: "logout-local" });
  } else if (reason === "remote") {
    const text = everywhere ? "You were logged out everywhere from another tab." : "You were logged out in another tab.";
    showNotice(cause === "refresh_failed" ? "Your session has expired. Please log in again." : text);
    log(cause === "refresh_failed" ? "Session expired (noticed by another tab)" : "Logged out in another tab", {
      kind: "warning",
      event: "logout-remote",
    });
  } else {
    showNotice("Your session has expired or was revoked. Please log in again.");
    log(`Session ended: refresh failed (${cause ?? "unknown"})`, { kind: "warning", event: "logout-refresh-failed" });
  }
  render();
});

auth.on("error", ({ error, during }) => {
  const what = during === "restore" ? "Could not load the user" : "Background refresh failed";
  log(`${what}: ${error?.code ?? error?.message ?? error}; will try again`, { kind: "warning", event: "error" });
});

// ------------------------------------------------------------------ actions

ui.loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showLoginError("");
  const username = ui.username.value.trim();
  const password = ui.password.value;
  if (!username || !password) {
    showLoginError("Enter a username and a password.");
    return;
  }
  busy(ui.loginButton, async () => {
    try {
      await auth.login(username, password);
      ui.password.value = "";
    } catch (error) {
      showLoginError(LOGIN_ERRORS[error?.code] ?? error?.detail ?? "Login failed.");
      log(`Login failed (${error?.code ?? "error"})`, { kind: "warning", event: "login-failed" });
    }
  });
});

ui.callApiButton.addEventListener("click", () =>
  busy(ui.callApiButton, async () => {
    ui.apiResult.textContent = "Calling…";
    try {
      const response = await auth.fetch(`${API}/api/hello/`, { headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => null);
      ui.apiResult.dataset.status = String(response.status);
      ui.apiResult.textContent = `HTTP ${response.status}\n${JSON.stringify(body, null, 2)}`;
      log(`Called /api/hello/: HTTP ${response.status}`, {
        kind: response.ok ? "info" : "warning",
        event: "api-call",
      });
    } catch (error) {
      ui.apiResult.dataset.status = "0";
      ui.apiResult.textContent = `Request failed: ${error?.message ?? error}`;
      log("Call to /api/hello/ failed: server unreachable", { kind: "warning", event: "api-call" });
    }
  }),
);

ui.refreshButton.addEventListener("click", () =>
  busy(ui.refreshButton, async () => {
    try {
      await auth.refresh();
    } catch (error) {
      log(`Refresh failed: ${error?.code ?? error}`, { kind: "warning", event: "error" });
    }
  }),
);

ui.logoutButton.addEventListener("click", () =>
  busy(ui.logoutButton, async () => {
    const isConfirmed = await auth.logout();
    if (!isConfirmed) log("The server did not confirm the logout", { kind: "warning", event: "error" });
  }),
);

ui.logoutAllButton.addEventListener("click", () =>
  busy(ui.logoutAllButton, async () => {
    try {
      await auth.logoutAll();
    } catch (error) {
      log(`Log out everywhere failed: ${error?.code ?? error}`, { kind: "warning", event: "error" });
    }
  }),
);

// ------------------------------------------------------------------ start-up

setInterval(renderExpiry, 1000);

async function start() {
  try {
    if (!hasSessionHint()) {
      log("Not logged in (no session in this browser yet, so no silent refresh was tried)", {
        event: "restore-none",
      });
      return;
    }
    restoreCsrfSource = hasCsrfCookie() ? "cookie" : "csrf-endpoint";
    const user = await auth.restore();
    if (!user) {
      rememberSession(false);
      log(
        "Not logged in: the silent refresh answered 401 (the refresh cookie expired, was revoked or " +
          "is gone). That answer is expected here, not a fault; the browser lists it as a failed request.",
        { event: "restore-none" },
      );
    }
  } catch (error) {
    log(`Cannot reach the server at ${API} (${error?.code ?? error})`, { kind: "warning", event: "error" });
  } finally {
    ui.status.removeAttribute("aria-busy");
    render();
    if (!auth.isAuthenticated) ui.username.focus();
  }
}

render();
start();
