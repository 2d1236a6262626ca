/**
 * Reading a caught value: `catch (e)` gives `unknown`, and a thrown value need not be an Error.
 * These give its message and its Node error code without a cast.
 */

/** The message of a thrown value: an Error's message, anything else as text. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The Node error code (`ENOENT`, `EADDRINUSE`, …) of a thrown value, if it has one. */
export function errorCode(e: unknown): string | undefined {
  if (!(e instanceof Error) || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}
