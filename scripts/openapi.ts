import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { apiDocument } from './api-document.js'

/** Writes docs/openapi.json from the route schemas (`npm run openapi`); a unit test keeps it current. */
writeFileSync(resolve(__dirname, '..', 'docs', 'openapi.json'), `${JSON.stringify(apiDocument(), null, 2)}\n`)
console.log('wrote docs/openapi.json')
