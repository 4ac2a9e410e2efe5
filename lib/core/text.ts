/** A name as people compare it: case, width and runs of spaces do not make two names differ. */
export const foldName = (name: string) => name.trim().normalize('NFKC').toLowerCase().replace(/\s+/g, ' ')
