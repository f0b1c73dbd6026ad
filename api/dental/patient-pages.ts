// What a patient sees after following a link from a reminder: a small page for a browser, or the same
// answer as JSON for anything that does not ask for HTML (an app, a script, our own tests of every
// route). Errors are pages too, with the status that fits, since a patient cannot read a JSON error.
// Pages are never cached or indexed and send no Referer: their address is the patient's link.
import type { H3Event } from 'h3';
import type { Practice } from '../../core/dental/practice.js';
import { html, type SafeHtml } from '../../core/html.js';

export interface PatientPage {
  status: number;
  title: string;
  message: string;
  /** The stable code of a refusal (as in a JSON error); absent on success. */
  error?: string;
  /** Label and value pairs describing the appointment. */
  facts?: Array<[string, string]>;
  /** A button that sends the answer (a POST to the same address). */
  button?: { label: string; tone: 'confirm' | 'cancel' };
  /** The JSON answer's other keys. */
  json?: Record<string, unknown>;
}

const HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
};
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function wantsHtml(event: H3Event): boolean {
  return (event.req.headers.get('accept') ?? '').includes('text/html');
}

export function renderPatientPage(event: H3Event, page: PatientPage, practice: Practice): Response {
  if (!wantsHtml(event)) {
    const body = page.error ? { message: page.message, error: page.error, ...page.json } : { message: page.message, ...page.json };
    return Response.json(body, { status: page.status, headers: HEADERS });
  }
  const button: SafeHtml | false =
    page.button !== undefined &&
    html`<form method="post"><button type="submit" style="font-size:1.1em;padding:10px 22px;border:0;border-radius:6px;color:#fff;background:${page.button.tone === 'confirm' ? '#1f7a3f' : '#a12626'}">${page.button.label}</button></form>`;
  const markup = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>${page.title} — ${practice.name}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#222;max-width:34em;margin:2em auto;padding:0 1em">
<p style="color:#555">${practice.name}</p>
<h1 style="font-size:1.4em">${page.title}</h1>
<p>${page.message}</p>
${page.facts && html`<table cellpadding="4">${page.facts.map(([label, value]) => html`<tr><th align="left">${label}</th><td>${value}</td></tr>`)}</table>`}
${button}
${practice.phone && html`<p style="color:#555">Questions? Call us on ${practice.phone}.</p>`}
</body></html>`;
  return new Response(markup.markup, {
    status: page.status,
    headers: { ...HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_POLICY },
  });
}
