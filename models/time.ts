/** The purchase log's clock: its dates are minutes in UTC ("2011-11-24 12:30"). */
export const DAY = 86_400_000;

export const toMillis = (date: string) => Date.parse(`${date.replace(' ', 'T')}:00Z`);
