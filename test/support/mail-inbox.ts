// A real SMTP server for tests that read what patients receive: the same MailDev inbox `make dev`
// starts (scripts/lib/dev-inbox.ts), on free ports, read back through its web inbox's REST API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevInbox, startDevInbox } from '../../scripts/lib/dev-inbox.js';
import { onTeardown } from './teardown.js';

export interface ReceivedMail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: string[];
  /** The attached appointment.ics, as text. */
  calendar: string;
}

export interface TestInbox extends DevInbox {
  /** Waits until `count` messages to `address` have arrived (oldest first); fails after 10 s. */
  messagesTo(address: string, count?: number): Promise<ReceivedMail[]>;
}

interface StoredMail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: Array<{ address: string }>;
  attachments?: Array<{ filename: string; generatedFileName: string }>;
}

let shared: Promise<TestInbox> | undefined;

/** One inbox per test run: each test reads the mail of its own (random) patients. */
export function testInbox(): Promise<TestInbox> {
  shared ??= (async () => {
    const folder = mkdtempSync(join(process.env.QHITZ_TEST_SCRATCH ?? tmpdir(), 'mail-'));
    const inbox = await startDevInbox({ smtpPort: 0, webPort: 0, mailDirectory: folder });
    onTeardown(() => inbox.stop());
    return { ...inbox, messagesTo: (address, count = 1) => messagesTo(inbox.webUrl, address, count) };
  })();
  return shared;
}

async function messagesTo(webUrl: string, address: string, count: number): Promise<ReceivedMail[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = (await (await fetch(`${webUrl}/api/email`)).json()) as StoredMail[];
    // The inbox lists mail in the order it arrived.
    const mine = all.filter((mail) => mail.to.some((to) => to.address.toLowerCase() === address.toLowerCase()));
    if (mine.length >= count) {
      return Promise.all(
        mine.map(async (mail) => {
          const ics = mail.attachments?.find((attachment) => attachment.filename === 'appointment.ics');
          const calendar = ics ? await (await fetch(`${webUrl}/api/email/${mail.id}/attachment/${ics.generatedFileName}`)).text() : '';
          return { id: mail.id, subject: mail.subject, text: mail.text, html: mail.html, to: mail.to.map((to) => to.address), calendar };
        }),
      );
    }
    if (Date.now() > deadline) throw new Error(`${mine.length} of ${count} messages to ${address} arrived`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
