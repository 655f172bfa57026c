/** The purchase log's clock: its dates are minutes in UTC ("2011-11-24 12:30"). */
export const DAY = 86_400_000;

const digit = (s: string, k: number) => s.charCodeAt(k) - 48;
const two = (s: string, k: number) => digit(s, k) * 10 + digit(s, k + 1);
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15];
const isLogForm = (s: string) => s.length === 16 && s[4] === '-' && s[7] === '-' && s[10] === ' ' && s[13] === ':' && DIGITS.every((k) => digit(s, k) >= 0 && digit(s, k) <= 9);

/**
 * Milliseconds since the epoch of a log date. Read by hand for the log's own form (a big shop's pipeline reads
 * dates tens of millions of times: Date.parse was a twentieth of a run), by Date.parse for anything else and for
 * the days every month has not, so both give the same number, NaN included.
 */
export function toMillis(date: string): number {
  if (isLogForm(date)) {
    const [y, mo, d, h, mi] = [two(date, 0) * 100 + two(date, 2), two(date, 5), two(date, 8), two(date, 11), two(date, 14)];
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h <= 23 && mi <= 59 && y >= 1000) return Date.UTC(y, mo - 1, d, h, mi);
  }
  return Date.parse(`${date.replace(' ', 'T')}:00Z`);
}
