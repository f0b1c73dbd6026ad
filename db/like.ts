// Search boxes match by substring with LIKE/ILIKE; the user's text must match literally, so the
// pattern characters in it (%, _ and the escape \) are escaped.
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
