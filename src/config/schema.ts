import { z } from 'zod';

/*
 * The whole configuration, one documented schema. Every object is strict: an unknown key is an error, not a
 * silently ignored typo. Defaults live in config/default.yaml, which is loaded first; this schema only types
 * and documents.
 */

const secret = (what: string) => z.string().min(32, `${what} must be at least 32 characters`);

const url = z.url({ protocol: /^https?$/ });

export const configSchema = z.strictObject({
  environment: z.enum(['development', 'production'])
    .describe('`production` refuses development secrets and insecure settings instead of warning about them.'),
  server: z.strictObject({
    host: z.string().min(1).describe('Interface to listen on.'),
    port: z.number().int().min(0).max(65535).describe('HTTP port of the public endpoints.'),
    publicUrl: url.describe('External base URL (the OIDC issuer). Behind a TLS-terminating proxy: the https URL users see.'),
    trustProxy: z.boolean().describe('Trust X-Forwarded-* headers (enable only behind a proxy that sets them).'),
    proxyHops: z.number().int().min(1).max(10).describe('With trustProxy: how many proxies append to X-Forwarded-For; the client address is the entry that many from the end (earlier entries are the client\'s own word).'),
    shutdownTimeoutMs: z.number().int().min(0).describe('How long a graceful shutdown waits for open requests.'),
  }).describe('HTTP server.'),
  dataDir: z.string().min(1).describe('Directory of the embedded store and development keys (used when mongodb.url is empty).'),
  mongodb: z.strictObject({
    url: z.string().describe('MongoDB connection string; empty = embedded store in dataDir.'),
    database: z.string().min(1).describe('Database name.'),
    cacheMaxAgeSeconds: z.number().min(0).max(3600).describe(
      'Documents read by id or unique key are kept in memory and checked against a generation in Redis (or memory) on every read, so a change made through Bridgekeeper is seen at once; a change made in the database itself is seen after at most this long. 0 = every read goes to the database.',
    ),
  }).describe('Durable store.'),
  redis: z.strictObject({
    url: z.string().describe('Redis URL (redis:// or rediss://); empty = in-memory short-lived state (one process only).'),
    keyPrefix: z.string().describe('Prefix of every key Bridgekeeper writes.'),
  }).describe('Short-lived state: sessions, codes, replay caches, counters.'),
  mail: z.strictObject({
    from: z.string().min(1).describe('From header of every message, e.g. `Example <no-reply@example.com>`.'),
    smtp: z.strictObject({
      host: z.string().describe('SMTP server; empty = messages go to the development outbox in dataDir (readable at /dev/outbox in development).'),
      port: z.number().int().min(1).max(65535).describe('SMTP port: 587 for submission with STARTTLS, 465 with `secure`.'),
      secure: z.boolean().describe('Implicit TLS from the first byte (port 465); startTls is then ignored.'),
      startTls: z.enum(['required', 'opportunistic', 'never'])
        .describe('STARTTLS on a plain connection: `required` refuses to send unencrypted, `opportunistic` upgrades when offered, `never` is for a relay on localhost.'),
      user: z.string().describe('AUTH user name; empty = no authentication.'),
      password: z.string().describe('AUTH password (set it through BRIDGEKEEPER_MAIL__SMTP__PASSWORD).'),
      timeoutMs: z.number().int().min(100).describe('Longest wait for connecting, the greeting, each reply and a whole send; past it the send fails with 503.'),
    }).describe('Outgoing mail server.'),
  }).describe('Email: invitations, password resets, one-time codes, security notices.'),
  secrets: z.strictObject({
    cookieKeys: z.array(secret('each cookie key')).min(1)
      .describe('Keys signing cookies, newest first; keep old ones listed during rotation.'),
    keyEncryptionKey: secret('the key-encryption key')
      .describe('Encrypts signing keys at rest in the store. Changing it makes stored keys unreadable.'),
  }).describe('Secrets. The defaults are for development only.'),
  rateLimits: z.strictObject({
    passwordPerAccount: z.number().int().min(1).describe('Password attempts per email in 15 minutes, whether or not the account exists.'),
    passwordPerIp: z.number().int().min(1).describe('Password attempts per client address (IPv6: per /64) in 15 minutes.'),
    otpChecksPerAccount: z.number().int().min(1).describe('One-time-code checks per account in 15 minutes (each code also dies after 5 wrong attempts).'),
    forgotPasswordPerEmail: z.number().int().min(1).describe('Password-reset requests per email in an hour.'),
    forgotPasswordPerIp: z.number().int().min(1).describe('Password-reset requests per client address in an hour.'),
    samlRefusedPerIp: z.number().int().min(1).describe('SAML responses refused per client address in 15 minutes; past it the ACS answers 429 without reading one.'),
    invitationsPerOrganization: z.number().int().min(1).describe('Invitation emails (sent and resent) per organisation in an hour.'),
  }).describe('Abuse limits; over a limit the answer is 429 with Retry-After.'),
  google: z.strictObject({
    clientId: z.string().describe('OAuth client id of Bridgekeeper at Google; empty = Google sign-in is not offered. Register the redirect URI `<server.publicUrl>/google/callback`.'),
    clientSecret: z.string().describe('Its client secret (set it through BRIDGEKEEPER_GOOGLE__CLIENT_SECRET).'),
    issuer: url.describe('Google\'s OpenID issuer; another only for a stand-in in tests.'),
    timeoutMs: z.number().int().min(100).max(60_000).describe('Longest wait for each request to Google; a slow Google fails that sign-in, not others.'),
  }).describe('Google sign-in.'),
  dns: z.strictObject({
    servers: z.array(z.string().min(1)).describe('DNS servers (`ip` or `ip:port`) for domain verification TXT lookups; empty = the system\'s.'),
    timeoutMs: z.number().int().min(100).max(30_000).describe('Longest wait for one DNS answer.'),
  }).describe('DNS lookups of domain verification.'),
  saml: z.strictObject({
    metadataRefreshSeconds: z.number().int().min(1).max(7 * 24 * 3600)
      .describe('How often IdP metadata URLs are fetched again, so that a signing-certificate rollover takes effect with no admin action.'),
    unsafeMetadataUrls: z.boolean()
      .describe('Development and tests only: fetch metadata over http and from loopback or private addresses.'),
    spPrivateKeyFile: z.string().describe('PEM private key of the service provider: signs AuthnRequests and decrypts assertions where a connection asks for it; empty = a self-signed pair kept in dataDir/certs in development, none in production.'),
    spCertificateFile: z.string().describe('PEM certificate of that key, published in the SP metadata.'),
  }).describe('SAML service provider.'),
  console: z.strictObject({
    clientId: z.string().min(1).describe('Client id the admin console (/console) signs admins in with, through Bridgekeeper itself. Register that client (bootstrap file or CLI) as first-party, with redirect URI `<publicUrl>/console/callback` and post-logout redirect URI `<publicUrl>/console/signed-out`.'),
    clientSecret: secret('console.clientSecret').describe('That client\'s secret (set it through BRIDGEKEEPER_CONSOLE__CLIENT_SECRET). The default is for development only.'),
  }).describe('The admin console.'),
  catalog: z.strictObject({
    file: z.string().describe('YAML roles & permissions catalog (permissions with implications, roles, composites, exclusions) replacing the built-in one; empty = the default catalog.'),
  }).describe('What roles and permissions exist.'),
  bootstrap: z.strictObject({
    file: z.string().describe('Declarative YAML (organisations, users, groups, clients, connections) imported at every start, idempotently; empty = none. The default is the development demo.'),
  }).describe('Provisioning at start.'),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).describe('Minimum level logged.'),
  }).describe('Logging.'),
  metrics: z.strictObject({
    enabled: z.boolean().describe('Serve Prometheus metrics (GET /metrics) on a listener of their own, never on the public port. Off by default so that several instances on one host do not contend for the port.'),
    host: z.string().min(1).describe('Interface of the metrics listener. It has no authentication: keep it off public networks (in a container, 0.0.0.0 with the port left out of the Service and the ingress).'),
    port: z.number().int().min(0).max(65535).describe('Port of the metrics listener; 9464 is the usual Prometheus exporter port.'),
  }).describe('Prometheus metrics.'),
});

export type Config = z.infer<typeof configSchema>;

/** Values shipped in config/default.yaml that must never reach production. */
export const DEVELOPMENT_SECRET_MARKER = 'development-only';
