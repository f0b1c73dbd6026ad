// What a new password must be: at least 8 characters besides whitespace at either end, at most 1024
// bytes, not the account's email or username, and not one of the passwords attackers try first.
const MOST_COMMON = new Set(
  `123456 123456789 12345678 password qwerty123 qwerty1 111111 12345 secret 123123 1234567890 1234567 000000
qwerty abc123 password1 iloveyou 11111111 dragon monkey 123321 654321 666666 121212 qwertyuiop 123qwe
1q2w3e4r 1qaz2wsx 987654321 superman asdfghjkl zxcvbnm letmein welcome admin admin123 login passw0rd
password123 password12 password! p@ssword p@ssw0rd princess football baseball sunshine master shadow
michael jennifer hunter2 trustno1 starwars whatever freedom charlie donald batman access hello123
computer internet samsung liverpool chelsea arsenal qazwsx 1q2w3e4r5t asdf1234 zaq12wsx 7777777 88888888
12341234 11223344 aa123456 a123456 123abc abcd1234 changeme default welcome1 welcome123 summer2024
winter2024 spring2024 autumn2024 summer2025 winter2025 qwerty12 q1w2e3r4 q1w2e3r4t5 mustang ginger
pokemon jordan23 hockey killer soccer tigger buster daniel andrew thomas jessica maggie pepper
cheese flower hannah ashley nicole 1234qwer dentist dental clinic qhitz qhitz123`.split(/\s+/),
);

/**
 * Characters as people see and type them (grapheme clusters): "🔑", "👩‍👩‍👧‍👦" and "é" as e plus an
 * accent are one each, where a string's length counts 2, 11 and 2 UTF-16 units.
 */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const characterCount = (text: string) => {
  let count = 0;
  for (const _ of graphemes.segment(text)) count++;
  return count;
};

/**
 * The bound on what argon2 is given, its UTF-8 bytes: 1024 ASCII characters (the bound before), 256
 * emoji. Counted in bytes, it also keeps every accepted password within the 1024 UTF-16 units that
 * login and change-password accept (a UTF-16 unit is at least one byte).
 */
const PASSWORD_MAX_BYTES = 1024;

export function passwordProblems(password: string, account: { email?: string; username?: string }): string[] {
  const problems: string[] = [];
  // Whitespace at either end is kept (the password is hashed as typed), but it does not make a short
  // password long enough, nor a common one uncommon.
  const meaningful = password.trim();
  if (password && !meaningful) problems.push('must not be only whitespace');
  else if (characterCount(meaningful) < 8) problems.push('must be at least 8 characters, not counting whitespace at either end');
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    problems.push(`must be at most ${PASSWORD_MAX_BYTES} bytes (as many letters of the Latin alphabet, fewer of other scripts)`);
  }
  const lower = meaningful.toLowerCase();
  if (account.email && lower === account.email.toLowerCase()) problems.push('must not be your email');
  if (account.username && lower === account.username.toLowerCase()) problems.push('must not be your username');
  if (MOST_COMMON.has(lower)) problems.push('is one of the most common passwords; choose another');
  return problems;
}
