// jwtauth demo SPA: plain ES module, no build step.
// The demo server serves this folder at / and clients/js/src/ at /client/.
import { createAuthClient } from "/client/jwtauth.js";
import { AllauthClient, errorText } from "/allauth.js";

const API = String(window.JWTAUTH_API ?? "http://localhost:8000").replace(/\/+$/, "");
// With DEMO_DPOP=required the server binds tokens to this origin's non-extractable key (DPoP).
const auth = createAuthClient({ baseUrl: `${API}/api/auth/`, dpop: Boolean(window.JWTAUTH_DPOP) });
// django-allauth headless (app client) for accounts; its logins end in jwtauth sessions.
const allauth = new AllauthClient({ api: API, auth });

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
  // django-allauth flows
  passkeyLoginButton: $("passkey-login-button"),
  showSignupButton: $("show-signup-button"),
  showResetButton: $("show-reset-button"),
  signupSection: $("signup-section"),
  signupForm: $("signup-form"),
  signupEmail: $("signup-email"),
  signupPassword: $("signup-password"),
  signupButton: $("signup-button"),
  signupError: $("signup-error"),
  verifyEmailSection: $("verify-email-section"),
  verifyEmailAddress: $("verify-email-address"),
  verifyEmailForm: $("verify-email-form"),
  verifyEmailCode: $("verify-email-code"),
  verifyEmailButton: $("verify-email-button"),
  verifyEmailError: $("verify-email-error"),
  mfaSection: $("mfa-section"),
  mfaForm: $("mfa-form"),
  mfaCode: $("mfa-code"),
  mfaButton: $("mfa-button"),
  mfaError: $("mfa-error"),
  resetSection: $("reset-section"),
  resetRequestForm: $("reset-request-form"),
  resetEmail: $("reset-email"),
  resetRequestButton: $("reset-request-button"),
  resetConfirmForm: $("reset-confirm-form"),
  resetCode: $("reset-code"),
  resetPassword: $("reset-password"),
  resetConfirmButton: $("reset-confirm-button"),
  resetError: $("reset-error"),
  reauthForm: $("reauth-form"),
  reauthPassword: $("reauth-password"),
  reauthButton: $("reauth-button"),
  accountError: $("account-error"),
  totpStatus: $("totp-status"),
  totpSetupButton: $("totp-setup-button"),
  totpForm: $("totp-form"),
  totpSecret: $("totp-secret"),
  totpUri: $("totp-uri"),
  totpCode: $("totp-code"),
  totpActivateButton: $("totp-activate-button"),
  recoveryCodesBox: $("recovery-codes-box"),
  recoveryCodes: $("recovery-codes"),
  passkeyStatus: $("passkey-status"),
  passkeyForm: $("passkey-form"),
  passkeyName: $("passkey-name"),
  passkeyAddButton: $("passkey-add-button"),
};
for (const link of document.querySelectorAll(".mailbox-link")) link.href = `${API}/dev/mail/`;

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
  "allauth-body": "from django-allauth's response (meta.csrf_token, set by jwtauth's token strategy), kept in memory",
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
  login_flow_required:
    "This account has a second factor or an e-mail address to confirm: sign in with your e-mail address.",
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
  const flow = isLoggedIn || isChecking ? null : flowView;
  ui.loginSection.hidden = isChecking || isLoggedIn || flow !== null;
  ui.signupSection.hidden = flow !== "signup";
  ui.verifyEmailSection.hidden = flow !== "verify-email";
  ui.mfaSection.hidden = flow !== "mfa";
  ui.resetSection.hidden = flow !== "reset";
  ui.sessionSection.hidden = isChecking || !isLoggedIn;
  ui.user.textContent = auth.user?.username ?? "";
  ui.userJson.textContent = auth.user ? JSON.stringify(auth.user, null, 2) : "";
  if (!isLoggedIn) {
    resetAccountView();
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
  showError(ui.loginError, text);
}

function showError(element, text) {
  element.textContent = text;
  element.hidden = !text;
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
let loginCsrfSource = "login-body"; // "allauth-body" while an allauth call may complete a login

auth.on("login", ({ user, source }) => {
  showNotice("");
  rememberSession(true);
  // A fresh login is not a refresh; a restore is one (a rotation from the cookie).
  renderRefreshed(null);
  if (source === "restore") renderRefreshed("restore");
  renderCsrfSource({ local: loginCsrfSource, remote: "other-tab", restore: restoreCsrfSource }[source]);
  flowView = null;
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
  if (username.includes("@")) {
    busy(ui.loginButton, () => allauthLogin(username, password));
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

// Step-up re-authentication ("sudo mode"): POST /api/sensitive/ needs a recent password.
const stepUp = {
  button: $("sensitive-button"),
  form: $("stepup-form"),
  password: $("stepup-password"),
  confirm: $("stepup-button"),
  result: $("sensitive-result"),
};

async function sensitiveAction() {
  const response = await auth.fetch(`${API}/api/sensitive/`, {
    method: "POST",
    headers: { Accept: "application/json" },
  });
  const body = await response.json().catch(() => null);
  stepUp.result.dataset.status = String(response.status);
  if (response.status === 403 && body?.code === "reauthentication_required") {
    stepUp.result.textContent = `HTTP 403 reauthentication_required (max_age ${body.max_age} s): confirm your password.`;
    stepUp.form.hidden = false;
    stepUp.password.focus();
    log("The action needs a recent password (403 reauthentication_required)", { event: "stepup-required" });
    return;
  }
  stepUp.result.textContent = `HTTP ${response.status}\n${JSON.stringify(body, null, 2)}`;
  log(`Sensitive action: HTTP ${response.status}`, { kind: response.ok ? "info" : "warning", event: "stepup-call" });
}

stepUp.button.addEventListener("click", () => busy(stepUp.button, sensitiveAction));

stepUp.form.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(stepUp.confirm, async () => {
    try {
      await auth.reauthenticate(stepUp.password.value);
    } catch (error) {
      stepUp.result.textContent = `Not confirmed: ${error?.code ?? error}`;
      log(`Password not confirmed (${error?.code ?? "error"})`, { kind: "warning", event: "stepup-failed" });
      return;
    } finally {
      stepUp.password.value = "";
    }
    stepUp.form.hidden = true;
    log("Password confirmed: new access token with a fresh auth_time", { event: "stepup-confirmed" });
    await sensitiveAction();
  });
});

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

// ------------------------------------------------------------------ django-allauth flows

// Which allauth step the logged-out page shows: null (the login form), "signup",
// "verify-email", "mfa" or "reset". Logged in, the account section shows instead.
let flowView = null;

function showFlow(view, focus) {
  flowView = view;
  render();
  focus?.focus();
}

/** One allauth call whose response may complete a login (its CSRF token then came from allauth). */
async function allauthStep(step) {
  loginCsrfSource = "allauth-body";
  try {
    return await step();
  } finally {
    loginCsrfSource = "login-body";
  }
}

/** Show the step allauth waits for after a 401 (e-mail code, second factor), or the error. */
function followPending(result, errorElement, fallback) {
  if (result.status === 200) return; // signed in: the login event renders the session
  if (result.pending === "verify_email") {
    ui.verifyEmailCode.value = "";
    showError(ui.verifyEmailError, "");
    showFlow("verify-email", ui.verifyEmailCode);
    log("Waiting for the e-mail confirmation code (see the demo mailbox)", { event: "verify-email-pending" });
  } else if (result.pending === "mfa_authenticate") {
    ui.mfaCode.value = "";
    showError(ui.mfaError, "");
    showFlow("mfa", ui.mfaCode);
    log("Password accepted; waiting for the second factor", { event: "mfa-pending" });
  } else {
    showError(errorElement, errorText(result, fallback));
    log(`allauth answered ${result.status}`, { kind: "warning", event: "allauth-error" });
  }
}

async function allauthLogin(email, password) {
  try {
    const result = await allauthStep(() => allauth.login(email, password));
    if (result.status === 200) ui.password.value = "";
    ui.verifyEmailAddress.textContent = email;
    followPending(result, ui.loginError, "Wrong e-mail or password.");
  } catch (error) {
    showLoginError(`Cannot reach the server at ${API}.`);
    log(`allauth login failed: ${error?.message ?? error}`, { kind: "warning", event: "login-failed" });
  }
}

for (const button of document.querySelectorAll(".back-to-login")) {
  button.addEventListener("click", () => {
    allauth.reset();
    showFlow(null, ui.username);
  });
}

ui.showSignupButton.addEventListener("click", () => {
  showError(ui.signupError, "");
  showFlow("signup", ui.signupEmail);
});

ui.showResetButton.addEventListener("click", () => {
  showError(ui.resetError, "");
  ui.resetRequestForm.hidden = false;
  ui.resetConfirmForm.hidden = true;
  ui.resetEmail.value = ui.username.value.includes("@") ? ui.username.value.trim() : "";
  showFlow("reset", ui.resetEmail);
});

ui.signupForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showError(ui.signupError, "");
  const email = ui.signupEmail.value.trim();
  const password = ui.signupPassword.value;
  if (!email || !password) {
    showError(ui.signupError, "Enter an e-mail address and a password.");
    return;
  }
  busy(ui.signupButton, async () => {
    const result = await allauthStep(() => allauth.signup(email, password));
    if (result.pending === "verify_email" || result.status === 200) {
      ui.signupPassword.value = "";
      ui.verifyEmailAddress.textContent = email;
      log(`Signed up as ${email}; a confirmation code was e-mailed`, { event: "signup" });
    }
    followPending(result, ui.signupError, "Sign-up failed.");
  });
});

ui.verifyEmailForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showError(ui.verifyEmailError, "");
  const code = ui.verifyEmailCode.value.trim();
  if (!code) {
    showError(ui.verifyEmailError, "Enter the code from the e-mail.");
    return;
  }
  busy(ui.verifyEmailButton, async () => {
    const result = await allauthStep(() => allauth.verifyEmail(code));
    if (result.status === 200) log("E-mail address confirmed", { event: "email-verified" });
    else if (result.status === 409 || result.status === 410) {
      showError(ui.verifyEmailError, "This confirmation expired. Log in again to get a new code.");
    } else followPending(result, ui.verifyEmailError, "That code is not right.");
  });
});

ui.mfaForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showError(ui.mfaError, "");
  const code = ui.mfaCode.value.trim();
  if (!code) {
    showError(ui.mfaError, "Enter the code from your authenticator app.");
    return;
  }
  busy(ui.mfaButton, async () => {
    const result = await allauthStep(() => allauth.authenticate2fa(code));
    if (result.status === 200) log("Second factor accepted", { event: "mfa-verified" });
    else followPending(result, ui.mfaError, "That code is not right.");
  });
});

ui.resetRequestForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showError(ui.resetError, "");
  const email = ui.resetEmail.value.trim();
  if (!email) {
    showError(ui.resetError, "Enter your e-mail address.");
    return;
  }
  busy(ui.resetRequestButton, async () => {
    const result = await allauth.requestPasswordReset(email);
    if (result.pending === "password_reset_by_code") {
      ui.resetRequestForm.hidden = true;
      ui.resetConfirmForm.hidden = false;
      ui.resetCode.focus();
      log("Password reset requested: a code was e-mailed if the account exists", { event: "reset-requested" });
    } else {
      showError(ui.resetError, errorText(result, "The reset could not be started."));
    }
  });
});

ui.resetConfirmForm.addEventListener("submit", (event) => {
  event.preventDefault();
  showError(ui.resetError, "");
  const code = ui.resetCode.value.trim();
  const password = ui.resetPassword.value;
  if (!code || !password) {
    showError(ui.resetError, "Enter the code and a new password.");
    return;
  }
  busy(ui.resetConfirmButton, async () => {
    const result = await allauth.resetPassword(code, password);
    if (result.status === 200 || result.status === 401) {
      // allauth answers 401 "not signed in": the reset is done, and jwtauth revoked every session.
      ui.resetPassword.value = "";
      ui.resetCode.value = "";
      ui.username.value = ui.resetEmail.value.trim();
      allauth.reset();
      showFlow(null, ui.password);
      showNotice("Your password was changed and every session was logged out. Log in with the new password.");
      log("Password reset: every session of the account was revoked", { event: "password-reset" });
    } else if (result.status === 409) {
      ui.resetRequestForm.hidden = false;
      ui.resetConfirmForm.hidden = true;
      showError(ui.resetError, "Too many wrong codes or the code expired. Ask for a new one.");
    } else {
      showError(ui.resetError, errorText(result, "The password could not be changed."));
    }
  });
});

ui.passkeyLoginButton.addEventListener("click", () =>
  busy(ui.passkeyLoginButton, async () => {
    showLoginError("");
    try {
      const result = await allauthStep(() => allauth.loginWithPasskey());
      if (result.status !== 200) showLoginError(errorText(result, "No passkey login is possible here."));
    } catch (error) {
      // The person cancelled the browser's passkey dialog, or no passkey exists for this site.
      showLoginError("No passkey was used.");
      log(`Passkey login cancelled (${error?.name ?? error})`, { kind: "warning", event: "login-failed" });
    }
  }),
);

// ---- signed in: account security (allauth asks for the password again before changes)

let afterReauth = null; // the step to run again once the password is confirmed

function resetAccountView() {
  ui.reauthForm.hidden = true;
  afterReauth = null;
  showError(ui.accountError, "");
  ui.totpForm.hidden = true;
  ui.recoveryCodesBox.hidden = true;
  ui.recoveryCodes.replaceChildren();
  ui.totpStatus.dataset.state = "unknown";
  ui.totpStatus.textContent = "Not checked yet.";
  ui.totpSetupButton.hidden = false;
  ui.passkeyStatus.dataset.count = "0";
  ui.passkeyStatus.textContent = "No passkey added in this session.";
}

/**
 * Runs one allauth call of an account step. When allauth wants the password first (401 with the
 * "reauthenticate" flow), shows the password form and returns null; once the password is
 * confirmed, `step` runs again from the start.
 */
async function accountAction(call, step) {
  showError(ui.accountError, "");
  const result = await call();
  if (result.status === 401 && result.flows.includes("reauthenticate")) {
    afterReauth = step;
    ui.reauthForm.hidden = false;
    ui.reauthPassword.focus();
    log("allauth asks to confirm the password first", { event: "reauth-required" });
    return null;
  }
  return result;
}

ui.reauthForm.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(ui.reauthButton, async () => {
    const result = await allauth.reauthenticate(ui.reauthPassword.value);
    if (result.status !== 200) {
      showError(ui.accountError, errorText(result, "Wrong password."));
      return;
    }
    ui.reauthPassword.value = "";
    ui.reauthForm.hidden = true;
    log("Password confirmed", { event: "reauthenticated" });
    const step = afterReauth;
    afterReauth = null;
    if (step) await step();
  });
});

function renderTotpOn() {
  ui.totpStatus.dataset.state = "on";
  ui.totpStatus.textContent = "On: logging in by e-mail asks for a code from the app.";
  ui.totpSetupButton.hidden = true;
  ui.totpForm.hidden = true;
}

async function startTotpSetup() {
  const result = await accountAction(() => allauth.totpStatus(), startTotpSetup);
  if (result === null) return;
  if (result.status === 200) {
    renderTotpOn();
    return;
  }
  if (result.status !== 404 || !result.meta.secret) {
    showError(ui.accountError, errorText(result, "Two-factor set-up is not available."));
    return;
  }
  ui.totpStatus.dataset.state = "setup";
  ui.totpStatus.textContent = "Off: add the key below to an authenticator app.";
  ui.totpSecret.textContent = result.meta.secret;
  ui.totpUri.textContent = result.meta.totp_url;
  ui.totpUri.href = result.meta.totp_url;
  ui.totpForm.hidden = false;
  ui.totpSetupButton.hidden = true;
  ui.totpCode.value = "";
  ui.totpCode.focus();
}

async function activateTotp() {
  const code = ui.totpCode.value.trim();
  const result = await accountAction(() => allauth.activateTotp(code), activateTotp);
  if (result === null) return;
  if (result.status !== 200) {
    showError(ui.accountError, errorText(result, "That code is not right."));
    return;
  }
  renderTotpOn();
  log("Two-factor authentication is on", { event: "totp-on" });
  const codes = await allauth.recoveryCodes();
  const unused = codes.status === 200 ? (codes.data?.unused_codes ?? []) : [];
  ui.recoveryCodes.replaceChildren(
    ...unused.map((value) => {
      const item = document.createElement("li");
      item.textContent = value;
      return item;
    }),
  );
  ui.recoveryCodesBox.hidden = unused.length === 0;
}

ui.totpSetupButton.addEventListener("click", () => busy(ui.totpSetupButton, startTotpSetup));
ui.totpForm.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(ui.totpActivateButton, activateTotp);
});

async function addPasskey() {
  const name = ui.passkeyName.value.trim() || "Passkey";
  let result;
  try {
    result = await accountAction(() => allauth.addPasskey(name), addPasskey);
  } catch (error) {
    showError(ui.accountError, `No passkey was created (${error?.name ?? error}).`);
    return;
  }
  if (result === null) return;
  if (result.status !== 200) {
    showError(ui.accountError, errorText(result, "The passkey could not be added."));
    return;
  }
  const count = Number(ui.passkeyStatus.dataset.count) + 1;
  ui.passkeyStatus.dataset.count = String(count);
  ui.passkeyStatus.textContent = `Added "${name}"${count > 1 ? ` (${count} this session)` : ""}: log in with it next time.`;
  log(`Passkey "${name}" added`, { event: "passkey-added" });
}

ui.passkeyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(ui.passkeyAddButton, addPasskey);
});

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
