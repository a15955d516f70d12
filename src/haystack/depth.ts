/**
 * The one nesting limit of everything read from outside: JSON values, Zinc and Haystack JSON
 * (lists, dicts, grids) and filters (parentheses). Readers check it before they descend, so no
 * recursive code (theirs, `JSON.parse`, `JSON.stringify`, a database's jsonb) ever sees deeper
 * input (CONTRACT.md, input hygiene).
 */

/** Levels of nesting accepted: brackets of JSON, `[`/`{`/`<<` of Zinc, parentheses of a filter. */
export const MAX_DEPTH = 32;

/** The message every reader gives for input nested deeper than `MAX_DEPTH`. */
export const TOO_DEEP = `nested deeper than ${MAX_DEPTH} levels`;

/**
 * The deepest nesting of `[`/`{` in JSON text (strings skipped), stopping as soon as it passes
 * `limit`. Iterative: safe on any input, and meant to run before `JSON.parse`.
 */
export function jsonDepth(text: string, limit = MAX_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 91 /* [ */ || ch === 123 /* { */) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (ch === 93 /* ] */ || ch === 125 /* } */) depth--;
  }
  return max;
}
