// A local OpenID Connect provider for IMAG'IN's tests, built on panva's
// certified oidc-provider. It runs over plain http on 127.0.0.1, keeps
// everything in memory, and prints "READY <issuer>" on stdout once listening.
//
// Usage: node provider.mjs [port]   (or env OIDC_PORT; 0 or nothing = any free port)
// Environment: see README.md in this folder.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const env = process.env;
const PROCONNECT = env.OIDC_PROCONNECT === '1';
// ProConnect refuses state and nonce shorter than this.
const PROCONNECT_MIN_LENGTH = 32;

const splitList = (value) => (value || '').split(',').map((item) => item.trim()).filter(Boolean);
const users = JSON.parse(env.OIDC_USERS || '[]');
// Credentials are how the login form finds a user; they are never claims.
const PRIVATE_FIELDS = new Set(['login', 'password']);

const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`;
}

function loginPage(uid, { login = '', error = '' } = {}) {
  return page('Sign in', `${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <p><label for="login">Login</label> <input id="login" name="login" value="${escapeHtml(login)}" autocomplete="username" required></p>
  <p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Sign in</button></p>
</form>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// A fresh signing key per run: nothing secret is committed, and tests must
// fetch the JWKS like a real relying party would.
function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
}

function configuration() {
  return {
    clients: [{
      client_id: 'imagin',
      client_secret: 'imagin-secret',
      redirect_uris: splitList(env.OIDC_REDIRECT_URIS),
      post_logout_redirect_uris: splitList(env.OIDC_POST_LOGOUT_REDIRECT_URIS),
      response_types: ['code'],
      grant_types: ['authorization_code'],
      // oidc-provider accepts client_secret_post for a client registered with
      // client_secret_basic (and the other way round): both work.
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      // ProConnect answers the userinfo endpoint with a signed JWT.
      ...(PROCONNECT ? { userinfo_signed_response_alg: 'RS256' } : {}),
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      // ProConnect names a scope after each claim it releases.
      given_name: ['given_name'],
      usual_name: ['usual_name'],
      uid: ['uid'],
      siret: ['siret'],
      siren: ['siren'],
      idp_id: ['idp_id'],
      organizational_unit: ['organizational_unit'],
      belonging_population: ['belonging_population'],
      phone: ['phone'],
    },
    async findAccount(ctx, sub) {
      const user = users.find((candidate) => candidate.sub === sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        // oidc-provider keeps only the claims the grant allows.
        async claims() {
          return Object.fromEntries(Object.entries(user).filter(([key]) => !PRIVATE_FIELDS.has(key)));
        },
      };
    },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    jwks: { keys: [signingKey()] },
    features: {
      // Replaced by the minimal login form below, with consent auto-granted.
      devInteractions: { enabled: false },
      jwtUserinfo: { enabled: PROCONNECT },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          // form is oidc-provider's hidden form (with its xsrf token); the
          // button submits it from outside through the form attribute.
          ctx.body = page('Sign out', `${form}
<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button></p>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<p>You are signed out.</p>');
        },
      },
    },
    // allauth sends PKCE only when configured to: accept both.
    pkce: { required: () => false },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<pre>${escapeHtml(JSON.stringify(out, null, 2))}</pre>`);
    },
  };
}

// ProConnect refuses an authorization request whose state or nonce is missing
// or shorter than 32 characters; oidc-provider itself has no such rule (and
// its extraParams validators only cover non-standard parameters), so this
// checks the query before the provider sees it. GET only, as ProConnect.
async function proConnectParams(ctx, next) {
  if (PROCONNECT && ctx.method === 'GET' && ctx.path === '/auth') {
    for (const name of ['state', 'nonce']) {
      const value = ctx.query[name];
      if (typeof value !== 'string' || value.length < PROCONNECT_MIN_LENGTH) {
        ctx.status = 400;
        ctx.body = {
          error: 'invalid_request',
          error_description: `${name} is required and must be at least ${PROCONNECT_MIN_LENGTH} characters long`,
        };
        return;
      }
    }
  }
  await next();
}

function interactions(provider) {
  const route = /^\/interaction\/([^/]+)(\/login)?$/;
  return async (ctx, next) => {
    const match = route.exec(ctx.path);
    if (!match) return next();
    ctx.set('Cache-Control', 'no-store');
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    const { uid, prompt, params, session } = interaction;

    if (ctx.method === 'GET' && prompt.name === 'login') {
      ctx.type = 'html';
      ctx.body = loginPage(uid);
      return undefined;
    }

    if (ctx.method === 'GET' && prompt.name === 'consent') {
      // Our only client is first-party: grant what it asks, without a page.
      const grant = interaction.grantId
        ? await provider.Grant.find(interaction.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const { details } = prompt;
      if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
      if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(details.missingResourceScopes || {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
        consent: interaction.grantId ? {} : { grantId },
      });
      ctx.status = 303;
      return ctx.redirect(returnTo);
    }

    if (ctx.method === 'POST' && match[2] && prompt.name === 'login') {
      const form = await readForm(ctx.req);
      const login = form.get('login') || '';
      const user = users.find((candidate) => candidate.login === login && candidate.password === form.get('password'));
      if (!user) {
        ctx.status = 200;
        ctx.type = 'html';
        ctx.body = loginPage(uid, { login, error: 'Invalid login or password.' });
        return undefined;
      }
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: user.sub } });
      ctx.status = 303;
      return ctx.redirect(returnTo);
    }

    ctx.status = 400;
    ctx.type = 'text';
    ctx.body = `unexpected interaction: ${ctx.method} ${ctx.path} (prompt ${prompt.name})`;
    return undefined;
  };
}

const port = Number(process.argv[2] ?? env.OIDC_PORT ?? 0);
const server = createServer();
// Listen first, then build the provider: with port 0 the kernel picks a free
// port, so the issuer is known only now, and no other process can race us.
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  provider.use(proConnectParams);
  provider.use(interactions(provider));
  server.on('request', provider.callback());
  console.log(`READY ${issuer}`);
});

// The Python harness keeps our stdin open: if it dies without stopping us,
// the pipe closes and we exit instead of lingering.
if (env.OIDC_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
