import { pino, type Logger } from 'pino';

/*
 * JSON logs. Secrets never reach them: authorization headers, cookies, passwords, codes and SAML payloads are
 * redacted wherever they appear in a logged object.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'bridgekeeper' },
      redact: {
        paths: [
          'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
          '*.password', '*.newPassword', '*.code', '*.otp', '*.SAMLResponse', '*.client_secret', '*.refresh_token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
