/** POSIX shell quoting for the scripts the systemd target writes (they run under bash -c). */

/** One word: left alone when plainly safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from words. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
