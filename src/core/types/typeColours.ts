// The `baner.typeColors` setting: an entity type's colour chosen by the user instead of the palette's, as CSS
// hex (#rgb or #rrggbb). The value comes from a settings file anyone may edit, and the colour ends up in CSS and
// in HTML style attributes (hovers, the panel): anything but a hex colour is left out, with a note why.

export type Rgb = readonly [number, number, number];

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#rgb` or `#rrggbb` (any case) as `#rrggbb` in lower case; undefined for anything else. */
export function normaliseHexColour(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!HEX.test(text)) return undefined;
  const digits = text.length === 4 ? [...text.slice(1)].map((c) => c + c).join('') : text.slice(1);
  return `#${digits.toLowerCase()}`;
}

export function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export interface TypeColours {
  /** Type -> #rrggbb. */
  colours: Map<string, string>;
  /** Entries left out, in words (for the log). */
  problems: string[];
}

/** The colours of a `baner.typeColors` value; entries that are not `"TYPE": "#hex"` are left out and named. */
export function parseTypeColours(value: unknown): TypeColours {
  const colours = new Map<string, string>();
  const problems: string[] = [];
  if (value === undefined || value === null) return { colours, problems };
  if (typeof value !== 'object' || Array.isArray(value)) return { colours, problems: ['baner.typeColors should be an object of TYPE: "#rrggbb"'] };
  for (const [type, colour] of Object.entries(value as Record<string, unknown>)) {
    const hex = normaliseHexColour(colour);
    if (type.trim() === '') problems.push('baner.typeColors: an empty type name');
    else if (!hex) problems.push(`baner.typeColors.${type.slice(0, 60)}: not a colour like #e6194b or #e14`);
    else colours.set(type, hex);
  }
  return { colours, problems };
}
