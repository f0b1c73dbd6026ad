// Splits a SQL script into statements at top-level semicolons, respecting quotes, dollar-quoted
// bodies and comments. slonik runs one statement per query, and a migration file holds several.
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let index = 0;
  const length = script.length;
  while (index < length) {
    const char = script[index]!;
    const next = script[index + 1];
    if (char === '-' && next === '-') {
      const end = script.indexOf('\n', index);
      index = end === -1 ? length : end + 1;
    } else if (char === '/' && next === '*') {
      const end = script.indexOf('*/', index + 2);
      index = end === -1 ? length : end + 2;
    } else if (char === "'" || char === '"') {
      index = skipQuoted(script, index, char);
    } else if (char === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(script.slice(index, index + 64))?.[0];
      if (tag) {
        const end = script.indexOf(tag, index + tag.length);
        index = end === -1 ? length : end + tag.length;
      } else {
        index++;
      }
    } else if (char === ';') {
      pushStatement(statements, script.slice(start, index));
      start = ++index;
    } else {
      index++;
    }
  }
  pushStatement(statements, script.slice(start));
  return statements;
}

function skipQuoted(script: string, openAt: number, quote: string): number {
  let index = openAt + 1;
  while (index < script.length) {
    if (script[index] === quote) {
      if (script[index + 1] === quote) index += 2; // doubled quote inside the literal
      else return index + 1;
    } else {
      index++;
    }
  }
  return index;
}

function pushStatement(statements: string[], text: string): void {
  const withoutComments = text.replace(/--[^\n]*/g, '').trim();
  if (withoutComments) statements.push(text.trim());
}
