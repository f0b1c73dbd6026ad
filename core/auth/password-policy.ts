// What a new password must be: 8–1024 characters (at least 8 besides whitespace at either end), not the
// account's email or username, and not one of the passwords attackers try first.
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

export function passwordProblems(password: string, account: { email?: string; username?: string }): string[] {
  const problems: string[] = [];
  // Whitespace at either end is kept (the password is hashed as typed), but it does not make a short
  // password long enough, nor a common one uncommon.
  const meaningful = password.trim();
  if (password && !meaningful) problems.push('must not be only whitespace');
  else if (meaningful.length < 8) problems.push('must be at least 8 characters, not counting whitespace at either end');
  if (password.length > 1024) problems.push('must be at most 1024 characters');
  const lower = meaningful.toLowerCase();
  if (account.email && lower === account.email.toLowerCase()) problems.push('must not be your email');
  if (account.username && lower === account.username.toLowerCase()) problems.push('must not be your username');
  if (MOST_COMMON.has(lower)) problems.push('is one of the most common passwords; choose another');
  return problems;
}
