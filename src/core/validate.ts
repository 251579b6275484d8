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

/** `undefined` or a plain object; anything else is a mistake worth naming. */
export function validateOptions<T extends object>(value: unknown, option: string): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`Expected \`${option}\` to be an object, got ${describe(value)}`);
  }
  return value as Partial<T>;
}
