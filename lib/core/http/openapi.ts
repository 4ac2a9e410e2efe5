import * as z from 'zod'
import { ERROR_STATUS } from '../errors.js'
import { IDEMPOTENCY_KEY } from './idempotency.js'
import type { BoundRoute } from './route.js'
import { ErrorSchema } from './schemas.js'

type Json = Record<string, unknown>

/**
 * Builds the OpenAPI 3.1 document from the bound routes' zod schemas: the same schemas that
 * validate requests. Named schemas (`.meta({ id })`) become components.
 */
export const buildOpenApi = (routes: BoundRoute[], info: { title: string; version: string }) => {
  const components: Record<string, Json> = {}

  const convert = (schema: z.ZodType, io: 'input' | 'output'): Json => {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json
    const defs = (json.$defs ?? {}) as Record<string, Json>
    const rename = new Map<string, string>()
    for (const [id, def] of Object.entries(defs)) {
      const existing = components[id]
      const name =
        existing && JSON.stringify(existing) !== JSON.stringify(def)
          ? `${id}${io === 'input' ? 'Input' : 'Output'}`
          : id
      rename.set(id, name)
    }
    const relink = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(relink)
      if (value && typeof value === 'object') {
        return Object.fromEntries(
          Object.entries(value as Json).map(([k, v]) =>
            k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
              ? [k, `#/components/schemas/${rename.get(v.slice(8)) ?? v.slice(8)}`]
              : [k, relink(v)],
          ),
        )
      }
      return value
    }
    for (const [id, def] of Object.entries(defs)) components[rename.get(id) as string] = relink(def) as Json
    const { $schema: _s, $defs: _d, ...rest } = relink(json) as Json
    return rest
  }

  const parameters = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return []
    const json = convert(schema, 'input')
    const props = (json.properties ?? {}) as Record<string, Json>
    const required = new Set((json.required ?? []) as string[])
    return Object.entries(props).map(([name, s]) => ({
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema: s,
    }))
  }

  const paths: Record<string, Record<string, Json>> = {}
  for (const { spec } of routes) {
    const status = String(spec.status ?? 200)
    const errorCodes = [
      'VALIDATION_FAILED',
      'INTERNAL',
      ...(spec.access.kind === 'public'
        ? []
        : ['UNAUTHENTICATED', 'SESSION_ENDED', 'TOKEN_STALE', 'FORBIDDEN']),
      ...(spec.errors ?? []),
    ]
    const codesByStatus = new Map<string, string[]>()
    for (const code of new Set(errorCodes)) {
      const s = String(ERROR_STATUS[code as keyof typeof ERROR_STATUS])
      codesByStatus.set(s, [...(codesByStatus.get(s) ?? []), code])
    }
    const errorResponses = Object.fromEntries(
      [...codesByStatus].map(([s, codes]) => [
        s,
        {
          description: codes.join(', '),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      ]),
    )
    const operation: Json = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.access.kind === 'public'
        ? { security: [] }
        : {
            security: [{ bearer: [] }],
            'x-atrium-access': spec.access.kind,
            ...(spec.access.kind === 'tenant' && spec.access.permission
              ? { 'x-atrium-permission': spec.access.permission }
              : {}),
          }),
      parameters: [
        ...parameters(spec.params, 'path'),
        ...parameters(spec.query, 'query'),
        ...(spec.idempotent
          ? [
              {
                name: 'Idempotency-Key',
                in: 'header',
                required: false,
                schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
              },
            ]
          : []),
      ],
      ...(spec.body || spec.rawBody
        ? {
            requestBody: {
              required: true,
              content: {
                [spec.form ? 'application/x-www-form-urlencoded' : 'application/json']: {
                  schema: convert((spec.body ?? spec.rawBody) as z.ZodType, 'input'),
                },
              },
            },
          }
        : {}),
      responses: {
        [status]:
          status === '204'
            ? { description: 'done' }
            : spec.produces && spec.produces !== 'application/json'
              ? { description: 'ok', content: { [spec.produces]: { schema: { type: 'string' } } } }
              : {
                  description: 'ok',
                  content: { 'application/json': { schema: convert(spec.response, 'output') } },
                },
        ...errorResponses,
      },
    }
    paths[spec.path] = { ...paths[spec.path], [spec.method.toLowerCase()]: operation }
  }
  convert(ErrorSchema, 'output')
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
  }
}
