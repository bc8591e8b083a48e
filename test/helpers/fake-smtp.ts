import net from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

/**
 * A minimal SMTP peer on a random port: SMTP crosses the machine's edge, so this stands in for
 * the mail relay. It speaks just enough (EHLO, MAIL, RCPT, DATA, QUIT) for nodemailer, and can be
 * told to refuse DATA to exercise retries.
 */
export async function startFakeSmtp(): Promise<{
  port: number;
  mails: ReceivedMail[];
  refuse: { on: boolean };
  close(): Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const refuse = { on: false };
  const server = net.createServer((socket) => {
    let current: ReceivedMail = { from: '', to: [], data: '' };
    let inData = false;
    let buffer = '';
    socket.write('220 fake-smtp ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let index = buffer.indexOf('\r\n');
      while (index !== -1) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(current);
            current = { from: '', to: [], data: '' };
            socket.write('250 queued\r\n');
          } else {
            current.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          }
        } else if (/^(EHLO|HELO)/i.test(line)) socket.write('250 fake-smtp\r\n');
        else if (/^MAIL FROM:/i.test(line)) {
          current.from = line.slice(10);
          socket.write('250 ok\r\n');
        } else if (/^RCPT TO:/i.test(line)) {
          current.to.push(line.slice(8));
          socket.write('250 ok\r\n');
        } else if (/^DATA/i.test(line)) {
          if (refuse.on) socket.write('451 try again later\r\n');
          else {
            inData = true;
            socket.write('354 go ahead\r\n');
          }
        } else if (/^QUIT/i.test(line)) {
          socket.end('221 bye\r\n');
        } else if (/^RSET/i.test(line)) socket.write('250 ok\r\n');
        else socket.write('502 not implemented\r\n');
        index = buffer.indexOf('\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, mails, refuse, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
