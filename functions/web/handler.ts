import files from 'atrium:web-assets'
import type { APIGatewayProxyEventV2 } from 'aws-lambda'
import { assetServer } from './assets.js'

/**
 * The web workbench's script and style (web/), built into this bundle (scripts/esbuild-plugins.cjs,
 * `web-assets`): the page itself is the `sso` function's, which knows who is signed in.
 */
const serve = assetServer(files)

export const handler = async (event: APIGatewayProxyEventV2) =>
  serve(event.pathParameters?.file ?? '', event.headers?.['if-none-match'])
