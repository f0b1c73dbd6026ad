// Reads FLASK_CONTRACT.md (the Flask system's real answers, recorded) into exchanges a test can replay,
// and compares a Qhitz answer with the Flask one by shape: every key the Flask answer has must be at
// the same place with the same JSON type. Ids differ between the two systems, so the replay learns
// which Qhitz id stands for which Flask id from the answers and substitutes them in later requests.
import { readFileSync } from 'node:fs';

export interface FlaskExchange {
  /** `POST /api/media/upload`, for messages. */
  title: string;
  method: string;
  path: string;
  service: 'auth' | 'media' | 'cloud' | 'dental';
  query?: Record<string, string>;
  json?: Record<string, unknown>;
  /** Multipart form fields; a file field's value is `{ file, type }`. */
  form?: Record<string, string | { file: string; type: string }>;
  status: number;
  /** The Flask answer's JSON, or undefined where it answered bytes. */
  answer?: unknown;
}

const SECTION = /^### (GET|POST|PUT|DELETE) (\S+)\s+\((\w+) :\d+\)$/;

/** The exchanges in document order (the order the Flask system's README sends them in). */
export function flaskExchanges(markdown = readFileSync(new URL('./FLASK_CONTRACT.md', import.meta.url), 'utf8')): FlaskExchange[] {
  const exchanges: FlaskExchange[] = [];
  const sections = markdown.split(/\n(?=### )/).filter((part) => SECTION.test(part.split('\n')[0]!));
  for (const section of sections) {
    const [heading, ...lines] = section.split('\n');
    const [, method, path, service] = SECTION.exec(heading!)!;
    const body = lines.join('\n');
    const exchange: FlaskExchange = { title: `${method} ${path}`, method: method!, path: path!, service: service as FlaskExchange['service'], status: 0 };
    const query = /^query: `([^`]*)`$/m.exec(body);
    if (query) exchange.query = Object.fromEntries(new URLSearchParams(query[1]));
    const request = /^request:\n```json\n([\s\S]*?)\n```/m.exec(body);
    if (request) exchange.json = JSON.parse(request[1]!);
    const form = /^multipart form: (.*)$/m.exec(body);
    if (form) exchange.form = parseForm(form[1]!);
    const answer = /^Flask answer (\d{3}):\n```json\n([\s\S]*?)\n```/m.exec(body);
    if (!answer) throw new Error(`FLASK_CONTRACT.md: no answer under "${heading}"`);
    exchange.status = Number(answer[1]);
    if (!answer[2]!.startsWith('(not JSON')) exchange.answer = JSON.parse(answer[2]!);
    exchanges.push(exchange);
  }
  return exchanges;
}

/** `file=<file dot.png, image/png>, description=A dot, tags=dot,test` — fields split where `, name=` starts. */
function parseForm(text: string): NonNullable<FlaskExchange['form']> {
  const form: NonNullable<FlaskExchange['form']> = {};
  for (const part of text.split(/, (?=\w+=)/)) {
    const [name, ...rest] = part.split('=');
    const value = rest.join('=');
    const file = /^<file (.+), (.+)>$/.exec(value);
    form[name!] = file ? { file: file[1]!, type: file[2]! } : value;
  }
  return form;
}

const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * Where `actual` breaks the Flask answer's shape: a missing key, or a value of another JSON type. A
 * Flask `null` says nothing of the type, so any value passes there. A Flask list's first element is
 * the shape every element of Qhitz's list must have.
 */
export function shapeMismatches(expected: unknown, actual: unknown, at = '$'): string[] {
  const want = jsonType(expected);
  if (want === 'null') return [];
  const have = jsonType(actual);
  if (want !== have) return [`${at}: ${want} in Flask, ${have} in Qhitz`];
  if (want === 'array') {
    const [first] = expected as unknown[];
    if (first === undefined) return [];
    return (actual as unknown[]).flatMap((item, index) => shapeMismatches(first, item, `${at}[${index}]`));
  }
  if (want !== 'object') return [];
  const object = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).flatMap(([key, value]) =>
    Object.hasOwn(object, key) ? shapeMismatches(value, object[key], `${at}.${key}`) : [`${at}.${key}: missing in Qhitz`],
  );
}

const isIdKey = (key: string) => key === 'id' || key.endsWith('_id') || key === 'shared_link' || key === 'uploaded_by';

/**
 * Flask ids → Qhitz ids, learned by walking the two answers side by side. The first pairing wins, so a
 * list's foreign first element cannot overwrite an id learned where the row was created.
 */
export class IdMap {
  private readonly ids = new Map<string, string>();

  constructor(seed: Record<string, string | number> = {}) {
    for (const [flask, qhitz] of Object.entries(seed)) this.ids.set(flask, String(qhitz));
  }

  learn(expected: unknown, actual: unknown): void {
    if (jsonType(expected) === 'array' && jsonType(actual) === 'array') {
      const [first] = expected as unknown[];
      const [mine] = actual as unknown[];
      if (first !== undefined && mine !== undefined) this.learn(first, mine);
      return;
    }
    if (jsonType(expected) !== 'object' || jsonType(actual) !== 'object') return;
    for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
      const mine = (actual as Record<string, unknown>)[key];
      const scalar = (v: unknown) => typeof v === 'number' || typeof v === 'string';
      if (isIdKey(key) && scalar(value) && scalar(mine) && !this.ids.has(String(value))) this.ids.set(String(value), String(mine));
      else this.learn(value, mine);
    }
  }

  /** The Qhitz value for a Flask id, or the value itself when none was learned. */
  swap(value: string): string {
    return this.ids.get(value) ?? value;
  }

  path(path: string): string {
    return path.split('/').map((segment) => this.swap(segment)).join('/');
  }

  /** A request body with its id-like fields swapped (numbers stay numbers). */
  body<T>(body: T): T {
    if (jsonType(body) !== 'object') return body;
    return Object.fromEntries(
      Object.entries(body as Record<string, unknown>).map(([key, value]) => {
        if (!isIdKey(key) || (typeof value !== 'number' && typeof value !== 'string')) return [key, value];
        const swapped = this.swap(String(value));
        return [key, typeof value === 'number' ? Number(swapped) : swapped];
      }),
    ) as T;
  }
}
