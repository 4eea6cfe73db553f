// A stand-in for Microsoft Entra ID (the v2.0 authorize and token endpoints) and Graph
// `/v1.0/me`, on loopback, for the browser sign-in test. It checks what the real ones check
// (client id and secret, registered redirect URI, PKCE S256, one-time codes, Graph bearer
// token) and answers in their shapes, so a server that talks to it wrongly fails here too.
//
// Usage: node fake_microsoft.mjs PORTFILE
//   Listens on a free loopback port and writes it to PORTFILE once listening.
//   Settings come from the same OPTIMA_MICROSOFT_* variables the server reads.
//   Authority at /login (OPTIMA_MICROSOFT_AUTHORITY_URL=http://127.0.0.1:PORT/login),
//   Graph at /graph (OPTIMA_MICROSOFT_GRAPH_URL=http://127.0.0.1:PORT/graph).
//   PUT /_stand-in/token-exchange with body `refuse` makes the next code exchanges fail with
//   invalid_grant (as Microsoft does for an expired or revoked code); `accept` undoes it.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`fake_microsoft: ${name} is not set`);
  return value;
};
const TENANT = env('OPTIMA_MICROSOFT_TENANT_ID');
const CLIENT_ID = env('OPTIMA_MICROSOFT_CLIENT_ID');
const CLIENT_SECRET = env('OPTIMA_MICROSOFT_CLIENT_SECRET');
const REDIRECT_URI = env('OPTIMA_MICROSOFT_REDIRECT_URL');
const SCOPE = 'openid profile email User.Read';
export const USER = {
  '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
  businessPhones: [],
  displayName: 'Browser Tech',
  givenName: 'Browser',
  jobTitle: null,
  mail: process.env.FAKE_MICROSOFT_EMAIL || 'browser-tech@example.com',
  mobilePhone: null,
  officeLocation: null,
  preferredLanguage: 'en-US',
  surname: 'Tech',
  userPrincipalName: process.env.FAKE_MICROSOFT_EMAIL || 'browser-tech@example.com',
  id: '3f1c2a9e-6b1d-4c55-9d0e-7a8b5c4d3e21',
};

/** code -> what the authorize request said; each code is redeemed at most once. */
const codes = new Map();
/** Graph access tokens handed out. */
const graphTokens = new Set();
let refuseExchange = false;

const b64url = (buf) => buf.toString('base64url');

function aadError(res, status, error, code, description) {
  const now = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const trace = randomUUID();
  const correlation = randomUUID();
  send(res, status, 'application/json; charset=utf-8', JSON.stringify({
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${now}`,
    error_codes: [code],
    timestamp: now,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  }));
}

/** Microsoft shows errors it cannot send back to a verified redirect URI as its own page. */
function aadErrorPage(res, code, description) {
  send(res, 400, 'text/html; charset=utf-8',
    `<!doctype html><title>Sign in to your account</title><h1>Sorry, but we're having trouble signing you in.</h1><p>AADSTS${code}: ${description}</p>`);
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function authorize(url, res) {
  const q = url.searchParams;
  if (q.get('client_id') !== CLIENT_ID) {
    return aadErrorPage(res, 700016, `Application with identifier '${q.get('client_id')}' was not found in the directory.`);
  }
  if (q.get('redirect_uri') !== REDIRECT_URI) {
    return aadErrorPage(res, 50011, `The redirect URI '${q.get('redirect_uri')}' specified in the request does not match the redirect URIs configured for the application.`);
  }
  // From here on Microsoft reports errors to the (verified) redirect URI.
  const back = new URL(REDIRECT_URI);
  const fail = (error, description) => {
    back.searchParams.set('error', error);
    back.searchParams.set('error_description', description);
    if (q.get('state')) back.searchParams.set('state', q.get('state'));
    send(res, 302, 'text/html; charset=utf-8', '', { location: back.toString() });
  };
  if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'AADSTS700054: response_type must be code.');
  const scopes = (q.get('scope') || '').split(' ');
  if (!scopes.includes('openid')) return fail('invalid_request', 'AADSTS900144: The request body must contain the openid scope.');
  if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
    return fail('invalid_request', 'AADSTS501491: Invalid size of Code_Challenge parameter.');
  }
  if (!q.get('state')) return fail('invalid_request', 'the stand-in expects a state');
  // The user is already signed in with consent given: Microsoft redirects straight back.
  const code = `0.ARoA${b64url(randomBytes(48))}`;
  codes.set(code, { challenge: q.get('code_challenge'), redirectUri: q.get('redirect_uri') });
  back.searchParams.set('code', code);
  back.searchParams.set('state', q.get('state'));
  back.searchParams.set('session_state', randomUUID());
  send(res, 302, 'text/html; charset=utf-8', '', { location: back.toString() });
}

async function token(req, res) {
  if (!(req.headers['content-type'] || '').startsWith('application/x-www-form-urlencoded')) {
    return aadError(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  }
  const form = new URLSearchParams(await readBody(req));
  if (form.get('client_id') !== CLIENT_ID) {
    return aadError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory.`);
  }
  if (form.get('client_secret') !== CLIENT_SECRET) {
    return aadError(res, 401, 'invalid_client', 7000215, 'Invalid client secret provided.');
  }
  if (form.get('grant_type') !== 'authorization_code') {
    return aadError(res, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  }
  const issued = codes.get(form.get('code') || '');
  codes.delete(form.get('code') || '');
  if (!issued) {
    return aadError(res, 400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
  }
  if (form.get('redirect_uri') !== issued.redirectUri) {
    return aadError(res, 400, 'invalid_grant', 50011, 'The redirect URI specified in the request does not match the one used in the authorization request.');
  }
  const verifier = form.get('code_verifier') || '';
  if (b64url(createHash('sha256').update(verifier).digest()) !== issued.challenge) {
    return aadError(res, 400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
  }
  if (refuseExchange) {
    return aadError(res, 400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.');
  }
  const accessToken = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${b64url(randomBytes(32))}.${b64url(randomBytes(32))}`;
  graphTokens.add(accessToken);
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify({
    token_type: 'Bearer',
    scope: 'email openid profile https://graph.microsoft.com/User.Read',
    expires_in: 4458,
    ext_expires_in: 4458,
    access_token: accessToken,
    refresh_token: `1.ARoA${b64url(randomBytes(48))}`,
    id_token: `eyJ0eXAiOiJKV1QifQ.${b64url(Buffer.from(JSON.stringify({ aud: CLIENT_ID, tid: TENANT, email: USER.mail })))}.sig`,
  }));
}

function me(req, res) {
  const auth = req.headers.authorization || '';
  if (!auth.startsWith('Bearer ') || !graphTokens.has(auth.slice(7))) {
    return send(res, 401, 'application/json', JSON.stringify({
      error: {
        code: 'InvalidAuthenticationToken',
        message: 'Access token validation failure. Invalid audience.',
        innerError: { date: new Date().toISOString(), 'request-id': randomUUID(), 'client-request-id': randomUUID() },
      },
    }));
  }
  send(res, 200, 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', JSON.stringify(USER));
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://stand-in');
    const route = `${req.method} ${url.pathname}`;
    if (route === `GET /login/${TENANT}/oauth2/v2.0/authorize`) return authorize(url, res);
    if (route === `POST /login/${TENANT}/oauth2/v2.0/token`) return await token(req, res);
    if (route === 'GET /graph/v1.0/me') return me(req, res);
    if (route === 'PUT /_stand-in/token-exchange') {
      const mode = (await readBody(req)).trim();
      if (mode !== 'accept' && mode !== 'refuse') return send(res, 400, 'text/plain', 'accept or refuse');
      refuseExchange = mode === 'refuse';
      return send(res, 204, 'text/plain', '');
    }
    if (url.pathname.startsWith('/login/')) {
      // An unknown tenant, as Microsoft words it.
      return aadErrorPage(res, 90002, 'Tenant not found.');
    }
    send(res, 404, 'text/plain', `stand-in: no route for ${route}\n`);
  } catch (e) {
    send(res, 500, 'text/plain', `stand-in: ${e.stack}\n`);
  }
});

server.listen(0, '127.0.0.1', () => {
  writeFileSync(process.argv[2], String(server.address().port));
});
