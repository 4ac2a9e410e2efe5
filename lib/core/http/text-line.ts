import * as z from 'zod'

/* Apart from the API's other shared shapes (schemas.ts): the sign-in pages' branding needs only this. */

/**
 * One line of text people read (a title, a name): trimmed, 1 to `max` characters, no control
 * characters (a line break has no place in a title).
 */
export const TextLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'no control characters')
