// Words that keep their trailing period ("Dr.", "Inc.") and do not end a sentence.
// Lower case. Words that also end sentences as plain words ("no", "sat") are left out.

const KNOWN_ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'ft', 'rev', 'hon', 'pres',
  'gen', 'col', 'lt', 'maj', 'sgt', 'capt', 'cmdr', 'adm', 'gov', 'sen', 'rep', 'supt',
  'inc', 'corp', 'co', 'ltd', 'bros', 'plc', 'dept', 'univ', 'assn',
  'vs', 'etc', 'al', 'approx', 'cf', 'ca', 'fig', 'vol', 'pp',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
  'tue', 'tues', 'thu', 'thur', 'thurs', 'fri',
  'ave', 'blvd', 'rd',
]);

export function isKnownAbbreviation(word: string): boolean {
  return word.length <= 5 && KNOWN_ABBREVIATIONS.has(word.toLowerCase());
}

/** "U.S", "e.g", "Ph.D": dotted groups of one or two letters (the final period comes after). */
export function isDottedAbbreviation(word: string): boolean {
  return /^\p{L}{1,2}(?:\.\p{L}{1,2})+$/u.test(word);
}

/** A single upper-case letter, as in the initial of "J. Smith". */
export function isCapitalInitial(word: string): boolean {
  return /^\p{Lu}$/u.test(word);
}
