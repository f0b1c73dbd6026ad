// HTML made from text we did not write (names, practice settings, links): every interpolated value is
// escaped, so a patient called `<script>` is shown, never run, in a page or an email.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character]!);
}

/** Markup already escaped (the result of `html`), which `html` inserts as it is. */
export class SafeHtml {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

type Insertable = string | number | SafeHtml | null | undefined | false | Insertable[];

function insert(value: Insertable): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.markup;
  if (Array.isArray(value)) return value.map(insert).join('');
  return escapeHtml(String(value));
}

/** A template whose interpolations are escaped unless they are `SafeHtml` already. */
export function html(strings: TemplateStringsArray, ...values: Insertable[]): SafeHtml {
  return new SafeHtml(strings.reduce((markup, part, index) => markup + part + (index < values.length ? insert(values[index]!) : ''), ''));
}
