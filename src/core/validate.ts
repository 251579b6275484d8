/** setTimeout fires at once for anything above 2^31 - 1 ms, so longer waits are refused. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A short, exact rendering of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Milliseconds that may be 0 (a delay) or must be positive (a timeout). */
export function validateMs(value: unknown, option: string, { allowZero = false } = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (allowZero ? value >= 0 : value > 0) &&
    value <= MAX_TIMER_MS;
  if (!ok) {
    const kind = allowZero
      ? 'a non-negative number of milliseconds'
      : 'a positive number of milliseconds';
    throw new TypeError(
      `Expected \`${option}\` to be ${kind} (at most ${MAX_TIMER_MS}), got ${describe(value)}`,
    );
  }
  return value;
}

export function validateNumber(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`Expected \`${option}\` to be a finite number, got ${describe(value)}`);
  }
  return value;
}

export function validateBoolean(value: unknown, option: string): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`Expected \`${option}\` to be a boolean, got ${describe(value)}`);
  }
  return value;
}

export function validateFunction<T>(value: unknown, option: string): T {
  if (typeof value !== 'function') {
    throw new TypeError(`Expected \`${option}\` to be a function, got ${describe(value)}`);
  }
  return value as T;
}

export function validateName(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`Expected \`${option}\` to be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

/**
 * The known keys of an options type, checked by the compiler: a key missing here or unknown to `T`
 * does not compile, so the list cannot drift from the interface.
 */
export function optionKeys<T extends object>(keys: Record<keyof T, true>): readonly string[] {
  return Object.freeze(Object.keys(keys));
}

/**
 * `undefined` or a plain object whose keys are all in `keys`; anything else is a mistake worth
 * naming (`dealy` for `delay` in JavaScript would otherwise be ignored without a word).
 */
export function validateOptions<T extends object>(
  value: unknown,
  option: string,
  keys: readonly string[],
): Partial<T> {
  const o = validateRecord<T>(value, option);
  for (const key of Object.keys(o)) {
    if (keys.includes(key)) continue;
    throw new TypeError(
      `Unknown option \`${key}\` in \`${option}\`${didYouMean(key, keys)}; expected one of: ${keys.join(', ')}`,
    );
  }
  return o;
}

/** ` (did you mean `x`?)` when one of `known` is a slip away from `given`, else nothing. */
export function didYouMean(given: string, known: readonly string[]): string {
  const near = known.find((candidate) => isNear(given, candidate));
  return near ? ` (did you mean \`${near}\`?)` : '';
}

/** The entries of `o` whose keys are in `keys` (those present only), for a part of an options object. */
export function pick<T extends object>(o: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([key]) => keys.includes(key))) as Partial<T>;
}

/** `undefined` or a plain object with any keys (a table of named checks, say). */
export function validateRecord<T extends object>(value: unknown, option: string): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`Expected \`${option}\` to be an object, got ${describe(value)}`);
  }
  return value as Partial<T>;
}

/** A typo: at most two single-letter edits apart (or a case slip), ignoring very short keys. */
function isNear(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  if (Math.min(a.length, b.length) < 4 || Math.abs(a.length - b.length) > 2) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const swap = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + swap);
    }
    previous = row;
  }
  return previous[b.length]! <= 2;
}

/** A promise or anything with a `then` method, as `await` treats it. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
