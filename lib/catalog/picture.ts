/**
 * The data set has no photos, so every product gets a generated picture: the category's colour and
 * motif, varied by a hash of the code so neighbours differ, and the name set large enough to read.
 * Pure string building: runs on the server, in tests, or at the edge.
 */
import type { CategorySlug } from './categories';

export const PICTURE_SIZE = 400;

// A 0..1 hash of the code; FNV-1a is plenty for picking colours.
function hash01(s: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return ((h >>> 0) % 10_000) / 10_000;
}

const HUES: Record<CategorySlug, number> = {
  christmas: 350,
  party: 300,
  'cards-wrap': 265,
  'candles-lights': 40,
  jewellery: 320,
  bags: 200,
  bath: 185,
  kitchen: 15,
  stationery: 225,
  toys: 120,
  garden: 95,
  'home-decor': 28,
  other: 170,
};

// Motifs drawn in a 100×100 box, centred on (50, 50).
const MOTIFS: Record<CategorySlug, string> = {
  christmas: '<path d="M50 10 L78 48 H64 L84 76 H16 L36 48 H22 Z"/><rect x="44" y="76" width="12" height="14"/>',
  party: '<ellipse cx="50" cy="40" rx="24" ry="30"/><path d="M46 70 H54 L50 76 Z"/><path d="M50 76 C44 84 56 88 50 96" fill="none" stroke-width="3"/>',
  'cards-wrap': '<rect x="14" y="26" width="72" height="50" rx="4"/><path d="M14 30 L50 56 L86 30" fill="none" stroke-width="5" class="c"/>',
  'candles-lights': '<rect x="38" y="44" width="24" height="46" rx="3"/><path d="M50 14 C62 28 60 40 50 40 C40 40 38 28 50 14 Z"/>',
  jewellery: '<circle cx="50" cy="58" r="26" fill="none" stroke-width="8"/><path d="M38 26 L50 14 L62 26 L50 36 Z"/>',
  bags: '<path d="M22 38 H78 L72 88 H28 Z"/><path d="M36 40 V30 A14 14 0 0 1 64 30 V40" fill="none" stroke-width="6"/>',
  bath: '<path d="M50 12 C66 36 74 48 74 62 A24 24 0 0 1 26 62 C26 48 34 36 50 12 Z"/>',
  kitchen: '<path d="M18 36 H72 V56 A26 26 0 0 1 18 56 Z"/><path d="M72 42 H80 A10 10 0 0 1 80 62 H70" fill="none" stroke-width="6"/><rect x="14" y="84" width="62" height="6" rx="3"/>',
  stationery: '<path d="M24 80 L30 60 L70 20 L82 32 L42 72 Z"/><path d="M24 80 L30 60 L42 72 Z" class="c"/>',
  toys: '<circle cx="50" cy="50" r="34"/><path d="M16 50 H84 M50 16 V84" fill="none" stroke-width="4" class="c"/>',
  garden: '<path d="M50 54 C30 54 20 36 22 18 C40 18 52 32 50 54 Z"/><path d="M50 54 C62 40 76 36 84 40 C80 56 66 62 50 54 Z"/><path d="M30 60 H70 L64 90 H36 Z"/>',
  'home-decor': '<path d="M50 86 C20 64 12 48 12 34 A18 18 0 0 1 50 24 A18 18 0 0 1 88 34 C88 48 80 64 50 86 Z"/>',
  other: '<path d="M50 10 L60 40 L90 40 L66 58 L75 88 L50 70 L25 88 L34 58 L10 40 L40 40 Z"/>',
};

// Shapes marked class="c" are drawn in the light accent colour: stroked, and filled unless they say fill="none".
function accent(svg: string, colour: string): string {
  return svg.replace(/<(\w+)([^>]*?) class="c"([^>]*?)(\/?)>/g, (_, tag: string, before: string, after: string, close: string) => {
    const attrs = before + after;
    return `<${tag}${attrs} stroke="${colour}"${/\bfill=/.test(attrs) ? '' : ` fill="${colour}"`}${close}>`;
  });
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Greedy word wrap into at most `maxLines` lines, the last one ellipsised if the name is longer. */
export function wrapName(name: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  const words = name.split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = line ? `${line} ${w}` : w;
    if (next.length <= width || !line) {
      line = next.length > width ? `${next.slice(0, width - 1)}…` : next;
      continue;
    }
    lines.push(line);
    line = w;
    if (lines.length === maxLines) {
      const last = lines[maxLines - 1]!;
      lines[maxLines - 1] = last.length >= width ? `${last.slice(0, width - 1)}…` : `${last}…`;
      return lines;
    }
  }
  if (line) lines.push(line);
  return lines;
}

export function productPicture(p: { sku: string; name: string; category: CategorySlug; categoryLabel: string }): string {
  const S = PICTURE_SIZE;
  const hue = (HUES[p.category] + Math.round((hash01(p.sku, 1) - 0.5) * 40) + 360) % 360;
  const tilt = Math.round((hash01(p.sku, 2) - 0.5) * 24);
  const pattern = hash01(p.sku, 3);
  const lines = wrapName(p.name, 18, 3);
  const fontSize = lines.some((l) => l.length > 14) ? 26 : 30;
  const lineH = fontSize * 1.2;
  const panelH = lines.length * lineH + 36;
  const panelY = S - panelH - 20;
  const ink = `hsl(${hue} 45% 22%)`;
  const deco =
    pattern < 0.33
      ? `<g fill="hsl(${hue} 60% 96%)" opacity=".55">${Array.from({ length: 36 }, (_, i) => `<circle cx="${(i % 6) * 72 + 20}" cy="${Math.floor(i / 6) * 72 + 20}" r="6"/>`).join('')}</g>`
      : pattern < 0.66
        ? `<g stroke="hsl(${hue} 60% 96%)" stroke-width="14" opacity=".35">${Array.from({ length: 10 }, (_, i) => `<path d="M${i * 60 - 200} 0 L${i * 60 + 200} ${S}"/>`).join('')}</g>`
        : `<circle cx="${S * 0.85}" cy="${S * 0.1}" r="120" fill="hsl(${hue} 60% 96%)" opacity=".4"/><circle cx="${S * 0.1}" cy="${S * 0.75}" r="90" fill="hsl(${hue} 60% 96%)" opacity=".35"/>`;
  const text = lines
    .map((l, i) => `<text x="${S / 2}" y="${panelY + 18 + fontSize + i * lineH - 4}">${escapeXml(l)}</text>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${S}" height="${S}" viewBox="0 0 ${S} ${S}" role="img" aria-label="${escapeXml(p.name)}">`,
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue} 70% 86%)"/><stop offset="1" stop-color="hsl(${(hue + 30) % 360} 60% 74%)"/></linearGradient></defs>`,
    `<rect width="${S}" height="${S}" fill="url(#g)"/>`,
    deco,
    `<text x="24" y="40" font-family="system-ui,-apple-system,'Segoe UI',Roboto,sans-serif" font-size="15" font-weight="700" letter-spacing="2" fill="${ink}" opacity=".7">${escapeXml(p.categoryLabel.toUpperCase())}</text>`,
    `<g transform="translate(${S / 2} ${panelY / 2 + 20}) rotate(${tilt}) scale(${Math.min(1.9, (panelY - 60) / 100)}) translate(-50 -50)" fill="hsl(${hue} 55% 38%)" stroke="hsl(${hue} 55% 38%)" stroke-linecap="round" stroke-linejoin="round">`,
    accent(MOTIFS[p.category], `hsl(${hue} 70% 86%)`),
    '</g>',
    `<rect x="20" y="${panelY}" width="${S - 40}" height="${panelH}" rx="18" fill="#fff" opacity=".92"/>`,
    `<g font-family="system-ui,-apple-system,'Segoe UI',Roboto,sans-serif" font-size="${fontSize}" font-weight="650" fill="${ink}" text-anchor="middle">${text}</g>`,
    '</svg>',
  ].join('');
}
