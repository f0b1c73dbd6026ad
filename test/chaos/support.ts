// Small builders the chaos suites share: practice data through the dental API, images and
// multipart bodies for the file services.
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { Cluster } from './cluster.js';

let nextUserId = 700_000 + Math.floor(Math.random() * 100_000);
/** A user id no other test uses (media and cloud users exist only as token subjects). */
export const newUserId = () => nextUserId++;

export async function staffToken(cluster: Cluster) {
  return cluster.token({ id: 1, role: 'staff' });
}

export async function createDentist(cluster: Cluster, token: string): Promise<number> {
  const answer = await cluster.call('dental', 'POST', '/api/dental/dentists', { token, json: { first_name: 'Chaos', last_name: 'Dentist', license_number: `C-${randomUUID()}` } });
  if (answer.status !== 201) throw new Error(`dentist: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.dentist.id;
}

export async function createPatient(cluster: Cluster, token: string): Promise<number> {
  const tag = randomUUID().slice(0, 8);
  const answer = await cluster.call('dental', 'POST', '/api/dental/patients', { token, json: { first_name: 'Chaos', last_name: `Patient ${tag}`, email: `${tag}@chaos.test`, phone: '555 0100' } });
  if (answer.status !== 201) throw new Error(`patient: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.patient.id;
}

/** A small PNG whose bytes differ per call (so each upload is its own blob). */
export async function distinctPng(): Promise<Buffer> {
  const shade = Math.floor(Math.random() * 256);
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: shade, g: 90, b: Date.now() % 256 } } })
    .png()
    .withMetadata({ exif: { IFD0: { ImageDescription: randomUUID() } } })
    .toBuffer();
}

export function formWith(field: string, files: Array<[string, Buffer | string]>): FormData {
  const form = new FormData();
  for (const [name, data] of files) form.append(field, new Blob([typeof data === 'string' ? data : new Uint8Array(data)]), name);
  return form;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
