// Short function words stay lower case inside a title ("Set of 4", "Heart of Wicker").
const MINOR = new Set(['A', 'AN', 'AND', 'AS', 'AT', 'BY', 'FOR', 'IN', 'OF', 'ON', 'OR', 'THE', 'TO', 'WITH']);
// Abbreviations the log writes in capitals that read wrong in title case.
const KEEP_UPPER = new Set(['LED', 'UK', 'USA', 'DIY', 'BBQ', 'PC', 'PCS', 'XL', 'XXL', 'ABC', 'TV', 'DVD', 'CD', 'EU']);

function capitalize(part: string): string {
  if (KEEP_UPPER.has(part.toUpperCase())) return part.toUpperCase();
  // Sizes and counts ("3D", "S/4", "45X45CM") keep their digits; letters after digits are units.
  if (/\d/.test(part)) return part.replace(/^([A-Za-z]?)(.*)$/, (_, a: string, rest: string) => a.toUpperCase() + rest.toLowerCase());
  return part.charAt(0).toUpperCase() + part.slice(1).toLowerCase();
}

/** "WHITE HANGING HEART T-LIGHT HOLDER " → "White Hanging Heart T-Light Holder". */
export function displayName(description: string): string {
  const words = description.trim().replace(/\s+/g, ' ').split(' ').filter(Boolean);
  return words
    .map((word, i) => {
      if (i > 0 && MINOR.has(word.toUpperCase())) return word.toLowerCase();
      // Hyphens and slashes join words that each deserve a capital: "T-LIGHT", "S/4".
      return word
        .split(/([-/])/)
        .map((p) => (p === '-' || p === '/' ? p : capitalize(p)))
        .join('');
    })
    .join(' ');
}
