// A real SMTP server with a web inbox (MailDev) for development: `make dev` sends reminders into it, so
// a newcomer sees what patients would get without a mail account. Loopback only: nothing outside this
// machine can send to it or read it. It keeps the newest 500 messages in its own folder.
import { MailDev } from 'maildev';
import { isPortInUse } from './ports.js';

export interface DevInbox {
  /** What SMTP_URL should be for mail to land here. */
  smtpUrl: string;
  /** The inbox in a browser; its REST API is below it (`/api/email`). */
  webUrl: string;
  stop(): Promise<void>;
}

/**
 * Port 0 picks a free port (tests); `make dev` uses fixed ones, so the inbox's address stays the same.
 * Without a folder of its own MailDev writes every message to the machine-wide /tmp/maildev.
 */
export async function startDevInbox(options: { smtpPort: number; webPort: number; mailDirectory: string }): Promise<DevInbox> {
  const maildev = new MailDev({
    smtp: options.smtpPort,
    web: options.webPort,
    ip: '127.0.0.1',
    webIp: '127.0.0.1',
    mailDirectory: options.mailDirectory,
    silent: true,
    maxEmails: 500,
  });
  const { smtp, api } = await maildev.start();
  return {
    smtpUrl: `smtp://127.0.0.1:${smtp.getPort()}`,
    webUrl: `http://127.0.0.1:${api!.getPort()}`,
    stop: () => maildev.stop(),
  };
}

/**
 * make dev's mail: the server SMTP_URL names when it is set; otherwise an inbox on
 * QHITZ_MAIL_SMTP_PORT / QHITZ_MAIL_WEB_PORT (1025 / 1080), at which SMTP_URL in `env` then points.
 */
export async function startDevMail(env: NodeJS.ProcessEnv, mailDirectory: string): Promise<DevInbox | null> {
  if (env.SMTP_URL) return null;
  const smtpPort = Number(env.QHITZ_MAIL_SMTP_PORT ?? 1025);
  const webPort = Number(env.QHITZ_MAIL_WEB_PORT ?? 1080);
  for (const port of [smtpPort, webPort]) {
    if (await isPortInUse(port)) throw new Error(`port ${port} is taken; set QHITZ_MAIL_SMTP_PORT/QHITZ_MAIL_WEB_PORT, or SMTP_URL to use your own mail server`);
  }
  const inbox = await startDevInbox({ smtpPort, webPort, mailDirectory });
  env.SMTP_URL = inbox.smtpUrl;
  return inbox;
}
