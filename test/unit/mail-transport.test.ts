import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/logger.js';
import { createMailTransport } from '../../server/src/mail/mail.service.js';

const link = 'http://localhost:4000/reset-password?token=AbCdEf0123456789_-AbCdEf0123456789';
const message = {
  from: 'Keyward <keys@example.com>',
  to: 'dev@example.com',
  subject: 'Reset your Keyward password',
  text: `Hello,\n\nSet a new password: ${link}\n`,
  kind: 'password_reset',
  link,
};

function capturedLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

describe('mail without SMTP_URL', () => {
  it('development: prints the link once, plainly, on its own line, and logs no link', async () => {
    const { logger, lines } = capturedLogger();
    const printed: string[] = [];
    const transport = await createMailTransport(
      { smtpUrl: null, production: false, print: (text) => printed.push(text) },
      logger,
    );
    await transport.send(message);
    const output = printed.join('');
    expect(output.split('\n')).toContain(link);
    expect(output.split(link)).toHaveLength(2);
    expect(lines.join('')).not.toContain('token=');
  });

  it('production: warns at creation that delivery is off, and neither prints nor logs the link', async () => {
    const { logger, lines } = capturedLogger();
    const printed: string[] = [];
    const transport = await createMailTransport(
      { smtpUrl: null, production: true, print: (text) => printed.push(text) },
      logger,
    );
    expect(lines.join('')).toMatch(/Mail delivery is off/);
    await transport.send(message);
    expect(printed).toEqual([]);
    expect(lines.join('')).not.toContain('token=');
  });
});
