// A real SMTP server with a web inbox (MailDev) for development: `make dev` sends reminders into it, so
// a newcomer sees what patients would get without a mail account. Loopback only: nothing outside this
// machine can send to it or read it. It keeps the newest 500 messages in its own folder.
import { MailDev } from 'maildev';

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
