// Sign-in with Microsoft and Swagger UI in a real (headless) Chromium, against a live Optima
// server whose Microsoft authority and Graph are the stand-in in fake_microsoft.mjs.
// Started by run.sh, which sets:
//   OPTIMA_URL           the server, http://127.0.0.1:PORT
//   FAKE_MICROSOFT_URL   the stand-in, http://127.0.0.1:PORT (authority at /login)
//   FAKE_MICROSOFT_EMAIL the email of the stand-in's user (a bootstrap admin on the server)
//   BROWSER_ARTIFACTS    where a failing step leaves a screenshot
// Every wait is bounded; the first failed check ends the run with a message and exit code 1.
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run scripts/browser/run.sh)`);
  return value;
};
const BASE = env('OPTIMA_URL');
const STAND_IN = env('FAKE_MICROSOFT_URL');
const EMAIL = env('FAKE_MICROSOFT_EMAIL');
const ARTIFACTS = env('BROWSER_ARTIFACTS');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Bounds: each is far above what a step takes on a loaded 2-core machine. */
const STEP_MS = 15_000;
/** The redirect page closes itself 1.5 s after loading. */
const PAGE_CLOSE_MS = 10_000;
/** How long the refusal page must stay open: past the success page's self-close at 1.5 s. */
const REFUSAL_STAYS_MS = 3_000;
/** The whole run, so that nothing can hang CI. */
const RUN_MS = 120_000;

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`${what}: nothing within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function getJson(path, token) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(`${BASE}${path}`, { headers, signal: AbortSignal.timeout(STEP_MS) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Failure(`GET ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  return { status: response.status, body };
}

/**
 * What a client does first: asks for the login URL and opens the socket that will carry the
 * outcome. Resolves once the socket is open; `outcome` resolves with its one JSON message.
 */
async function startSignIn() {
  const { status, body } = await getJson('/v1/auth/uri');
  check(status === 200 && body.successful === true, `GET /v1/auth/uri answered ${status}: ${JSON.stringify(body)}`);
  const { uri, callbackKey } = body.data;
  check(typeof uri === 'string' && uri.startsWith(`${STAND_IN}/login/`),
    `the login URL ${uri} does not point at the stand-in authority ${STAND_IN}/login/`);
  check(typeof callbackKey === 'string' && callbackKey.length >= 32, 'GET /v1/auth/uri gave no usable callbackKey');
  check(!uri.includes(callbackKey), 'the callback key must not travel in the login URL (the browser would see it)');

  const socketUrl = `${BASE.replace(/^http/, 'ws')}/v1/auth/socket?callbackKey=${encodeURIComponent(callbackKey)}`;
  const ws = new WebSocket(socketUrl);
  const outcome = new Promise((resolve, reject) => {
    ws.once('message', (data) => {
      try {
        resolve(JSON.parse(data.toString()));
      } catch {
        reject(new Failure(`the socket sent something that is not JSON: ${data.toString().slice(0, 300)}`));
      }
    });
    ws.once('close', (code) => reject(new Failure(`the socket closed (${code}) before sending an outcome`)));
    ws.once('error', (e) => reject(new Failure(`the socket failed: ${e.message}`)));
  });
  outcome.catch(() => {}); // awaited later; keep an early rejection from being "unhandled"
  await within(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_, res) => reject(new Failure(`the socket upgrade was answered ${res.statusCode}`)));
    ws.once('error', reject);
  }), STEP_MS, 'opening the sign-in socket');
  return { uri, outcome, close: () => ws.terminate() };
}

async function visibleText(page) {
  return (await page.locator('body').innerText({ timeout: STEP_MS })).trim();
}

/** Screenshots of every page still open in a failed step's context (the client's, a popup). */
async function screenshots(context, name) {
  try {
    mkdirSync(ARTIFACTS, { recursive: true });
  } catch {
    return;
  }
  for (const [i, page] of context.pages().entries()) {
    const path = `${ARTIFACTS}/${name}-${i}.png`;
    try {
      await page.screenshot({ path, timeout: 5_000 });
      console.error(`   screenshot of ${page.url()}: ${path}`);
    } catch {
      // The failure message says what went wrong; the picture is a bonus.
    }
  }
}

/** Runs one browser step in a fresh context, leaving a screenshot if it fails. */
async function step(browser, name, body) {
  const started = Date.now();
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await body(page);
    console.log(`ok  ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    await screenshots(context, name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60));
    e.message = `${name}: ${e.message}`;
    throw e;
  } finally {
    await context.close();
  }
}

/**
 * Opens the login URL as a web client does: a "Sign in with Microsoft" button on the client's
 * page opens it in a popup. (Browsers let a page close only a window that a script opened; a
 * tab that a desktop client opens in the system browser stays, saying "You can close this
 * window".) Resolves with the popup, a promise of the server's answer on /v1/auth/redirect
 * (with its body read at once), and a promise that the popup closed.
 */
async function openLoginPopup(page, uri) {
  const redirected = page.context().waitForEvent('response', {
    predicate: (r) => new URL(r.url()).pathname === '/v1/auth/redirect',
    timeout: STEP_MS,
  }).then(async (response) => ({ response, body: await response.text().catch(() => '') }));
  redirected.catch(() => {});
  await page.setContent(`<!doctype html><title>A web client</title>
    <button id="sign-in">Sign in with Microsoft</button>
    <script>document.getElementById('sign-in').onclick = () =>
      window.open(${JSON.stringify(uri)}, 'sign-in', 'popup,width=480,height=640');</script>`);
  const [popup] = await Promise.all([
    page.waitForEvent('popup', { timeout: STEP_MS }),
    page.getByRole('button', { name: 'Sign in with Microsoft' }).click({ timeout: STEP_MS }),
  ]);
  const closed = popup.isClosed() ? Promise.resolve() : new Promise((resolve) => popup.once('close', resolve));
  const { response, body } = await within(redirected, STEP_MS, 'the stand-in sending the browser to /v1/auth/redirect');
  return { popup, response, body, closed };
}

/** The heading and visible text of the page the browser shows for /v1/auth/redirect. */
async function redirectPageText(popup, body) {
  try {
    await popup.waitForLoadState('domcontentloaded', { timeout: STEP_MS });
    return {
      heading: (await popup.locator('h1').innerText({ timeout: STEP_MS })).trim(),
      text: await visibleText(popup),
    };
  } catch (e) {
    // The success page closes itself 1.5 s after loading; on a stalled machine that can come
    // before these reads. Its HTML, read as it arrived, says the same.
    if (!popup.isClosed()) throw e;
    const strip = (html) => html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    return { heading: strip(body.match(/<h1>([\s\S]*?)<\/h1>/)?.[1] || ''), text: strip(body.replace(/<title>[\s\S]*?<\/title>/, '')) };
  }
}

/** The whole sign-in as a user sees it; returns the access token that arrived on the socket. */
async function signIn(browser) {
  let accessToken;
  await step(browser, 'sign-in: the browser signs in, the page closes itself, tokens arrive on the socket', async (page) => {
    const signIn = await startSignIn();
    try {
      const { popup, response, body, closed } = await openLoginPopup(page, signIn.uri);
      check(new URL(response.url()).origin === new URL(BASE).origin,
        `the stand-in sent the browser to ${response.url()}, not to ${BASE}/v1/auth/redirect`);
      const { heading, text } = await redirectPageText(popup, body);
      check(response.status() === 200, `/v1/auth/redirect answered ${response.status()}: ${text}`);
      check(heading === 'Signed in', `the redirect page says "${heading}", not "Signed in": ${text}`);
      await within(closed, PAGE_CLOSE_MS, 'the "Signed in" page should close itself');

      const message = await within(signIn.outcome, STEP_MS, 'the tokens on the socket');
      check(message.status === 201 && message.successful === true,
        `the socket carried ${JSON.stringify(message)}, not the tokens`);
      accessToken = message.data?.accessToken;
      check(typeof accessToken === 'string' && typeof message.data?.refreshToken === 'string',
        `the socket's message has no accessToken/refreshToken: ${JSON.stringify(message)}`);
    } finally {
      signIn.close();
    }
  });

  const { status, body } = await getJson('/v1/user/@me', accessToken);
  check(status === 200, `GET /v1/user/@me with the socket's access token answered ${status}: ${JSON.stringify(body)}`);
  check(body.data?.email === EMAIL, `GET /v1/user/@me is ${body.data?.email}, not the stand-in's user ${EMAIL}`);
  check(body.data?.name === 'Browser Tech', `the user's name is ${body.data?.name}, not Graph's displayName`);
  check(body.data?.roles?.includes('admin'), `the bootstrap admin has roles ${JSON.stringify(body.data?.roles)}, not admin`);
  console.log(`ok  GET /v1/user/@me with the access token: 200, ${EMAIL}, roles ${body.data.roles.join(',')}`);
  return accessToken;
}

async function refusedSignIn(browser) {
  const mode = await fetch(`${STAND_IN}/_stand-in/token-exchange`, { method: 'PUT', body: 'refuse' });
  check(mode.status === 204, `the stand-in did not switch to refusing (${mode.status})`);
  try {
    await step(browser, 'refused sign-in: a readable page that stays, and the failure on the socket', async (page) => {
      const signIn = await startSignIn();
      try {
        const { popup, response, closed } = await openLoginPopup(page, signIn.uri);
        check(response.status() === 400, `/v1/auth/redirect answered ${response.status()} to a refused code exchange, not 400`);
        check((response.headers()['content-type'] || '').startsWith('text/html'),
          `the refusal is served as ${response.headers()['content-type']}, not as a page`);
        await popup.waitForLoadState('domcontentloaded', { timeout: STEP_MS });
        const heading = (await popup.locator('h1').innerText({ timeout: STEP_MS })).trim();
        const text = await visibleText(popup);
        check(heading === 'Sign-in failed', `the refusal page's heading is "${heading}": ${text}`);
        check(/refused the sign-in/i.test(text), `the refusal page does not say the sign-in was refused: ${text}`);
        check(!/^[{[]/.test(text) && !/<\/?[a-z]+>/i.test(text), `the refusal page shows raw data, not prose: ${text}`);

        const message = await within(signIn.outcome, STEP_MS, 'the failure on the socket');
        check(message.successful === false && message.status === 401,
          `the socket carried ${JSON.stringify(message)}, not a 401 failure`);
        check(/refused the sign-in/i.test(message.message) && /invalid_grant|AADSTS50173|revoked/.test(message.message),
          `the socket's failure does not say Microsoft refused (invalid_grant): ${message.message}`);

        // Someone has to read it: the page must outlast the success page's self-close (1.5 s).
        const closedEarly = await Promise.race([closed.then(() => true), sleep(REFUSAL_STAYS_MS).then(() => false)]);
        check(!closedEarly, 'the refusal page closed itself before anyone could read it');
        console.log(`    page: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
      } finally {
        signIn.close();
      }
    });
  } finally {
    await fetch(`${STAND_IN}/_stand-in/token-exchange`, { method: 'PUT', body: 'accept' });
  }
}

/**
 * Swagger UI at /v1/docs: the operation list shows, and "Try it out" on GET /v1/user/@me after
 * "Authorize" with `token` answers 200 with the user. `kind` names the credential in messages;
 * any credential the server takes as `Authorization: Bearer …` (an access token, an API key)
 * goes through the same clicks.
 */
async function swaggerTryMe(browser, kind, token) {
  await step(browser, `Swagger UI: Try it out on GET /v1/user/@me with ${kind}`, async (page) => {
    const response = await page.goto(`${BASE}/v1/docs`, { timeout: STEP_MS });
    check(response.status() === 200, `/v1/docs answered ${response.status()}`);
    const operation = page.locator('.opblock-get', {
      has: page.locator('.opblock-summary-path', { hasText: /^\/v1\/user\/@me$/ }),
    });
    await operation.first().waitFor({ timeout: STEP_MS }).catch(() => {
      throw new Failure('the operation list does not show GET /v1/user/@me');
    });
    check(await operation.count() === 1, `${await operation.count()} operations GET /v1/user/@me are listed`);

    // Authorize: the bearer scheme's value field, then the modal's Authorize and Close.
    await page.locator('.auth-wrapper button', { hasText: 'Authorize' }).click({ timeout: STEP_MS });
    const scheme = page.locator('.modal-ux .auth-container', { hasText: 'BearerAuth' });
    await scheme.locator('input').fill(token, { timeout: STEP_MS });
    await scheme.locator('button', { hasText: /^Authorize$/ }).click({ timeout: STEP_MS });
    await scheme.locator('button', { hasText: /^Logout$/ }).waitFor({ timeout: STEP_MS }).catch(() => {
      throw new Failure('the Authorize dialog did not take the token (no Logout button)');
    });
    await scheme.locator('button', { hasText: /^Close$/ }).click({ timeout: STEP_MS });

    // Expand GET /v1/user/@me, Try it out, Execute.
    await operation.locator('.opblock-summary-control').click({ timeout: STEP_MS });
    await operation.locator('button.try-out__btn').click({ timeout: STEP_MS });
    const executed = page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/v1/user/@me' && r.request().method() === 'GET', { timeout: STEP_MS });
    await operation.locator('button.execute').click({ timeout: STEP_MS });
    const sent = await executed;
    check(sent.request().headers().authorization === `Bearer ${token}`,
      `Swagger UI sent Authorization "${sent.request().headers().authorization}", not the bearer ${kind}`);

    // What the UI shows as the live response.
    const live = operation.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: STEP_MS });
    const shownStatus = (await live.locator('.response-col_status').first().innerText()).trim();
    const shownBody = (await live.locator('.response-col_description').first().innerText()).replace(/\s+/g, ' ');
    check(shownStatus === '200', `"Try it out" shows status ${shownStatus}: ${shownBody.slice(0, 400)}`);
    check(shownBody.includes(EMAIL), `"Try it out" shows a body without ${EMAIL}: ${shownBody.slice(0, 400)}`);
  });
}

/** A new API key for the signed-in user, created through the API with their access token. */
async function createApiKey(accessToken) {
  const response = await fetch(`${BASE}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'browser test', permissions: ['user.read'] }),
  });
  const body = await response.json();
  check(response.status === 201 && String(body.data?.key).startsWith('optima_'),
    `creating an API key answered ${response.status}: ${JSON.stringify(body)}`);
  return body.data.key;
}

async function main() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 30_000 });
  try {
    const accessToken = await signIn(browser);
    await refusedSignIn(browser);
    await swaggerTryMe(browser, 'the access token from the sign-in', accessToken);
    await swaggerTryMe(browser, 'an API key created through the API', await createApiKey(accessToken));
  } finally {
    await browser.close();
  }
}

const deadline = setTimeout(() => {
  console.error(`FAIL browser checks: the run took longer than ${RUN_MS / 1000} s`);
  process.exit(1);
}, RUN_MS);
try {
  await main();
  clearTimeout(deadline);
} catch (e) {
  // A Playwright error's message carries its call log; step() put the step's name in front.
  console.error(`FAIL ${e?.message || e}`);
  process.exit(1);
}
