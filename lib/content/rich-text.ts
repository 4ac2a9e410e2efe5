import * as z from 'zod'
import { LinkUrl } from '../core/http/address-schemas.js'
import { escapeHtml } from '../core/text.js'
import { ContentImage } from './cover.js'

/**
 * Rich text as a structured document, never HTML: what can be stored is exactly what the schema
 * describes (paragraphs, headings, lists, bold and italic text, http(s) links, images by URL), and
 * HTML is made from it by `renderRichText`, which escapes every text and attribute. There is no
 * way to store a script, an event handler or a `javascript:` link, whatever a client sends.
 */

const Text = z
  .object({
    text: z.string().min(1).max(10_000),
    bold: z.boolean().optional(),
    italic: z.boolean().optional(),
    link: LinkUrl.optional(),
  })
  .strict()

const Inlines = z.array(Text).max(500)

const Block = z.discriminatedUnion('type', [
  z.object({ type: z.literal('paragraph'), content: Inlines }).strict(),
  z.object({ type: z.literal('heading'), level: z.int().min(1).max(3), content: Inlines }).strict(),
  z
    .object({
      type: z.literal('list'),
      ordered: z.boolean().default(false),
      items: z.array(Inlines).max(200),
    })
    .strict(),
  z.object({ type: z.literal('image'), src: ContentImage, alt: z.string().max(500).optional() }).strict(),
])

/**
 * How large a document may be, stored (its JSON): each part is bounded, but 500 blocks of 500 runs
 * of 10,000 characters would not fit the item that holds it (400 KB), so the whole is bounded too.
 */
export const MAX_RICH_TEXT_BYTES = 100_000

export const RichTextSchema = z
  .object({ blocks: z.array(Block).max(500) })
  .strict()
  .refine((doc) => Buffer.byteLength(JSON.stringify(doc)) <= MAX_RICH_TEXT_BYTES, {
    message: `at most ${MAX_RICH_TEXT_BYTES} bytes as JSON`,
  })
  .meta({
    id: 'RichText',
    description: `a document of paragraphs, headings (1–3), lists and images; text may be bold, italic or a http(s) link; at most ${MAX_RICH_TEXT_BYTES} bytes as JSON`,
  })
export type RichText = z.infer<typeof RichTextSchema>

const inline = (t: z.infer<typeof Text>): string => {
  let html = escapeHtml(t.text)
  if (t.bold) html = `<strong>${html}</strong>`
  if (t.italic) html = `<em>${html}</em>`
  return t.link ? `<a href="${escapeHtml(t.link)}" rel="noopener noreferrer nofollow">${html}</a>` : html
}
const inlines = (ts: z.infer<typeof Inlines>) => ts.map(inline).join('')

const block = (b: z.infer<typeof Block>): string => {
  switch (b.type) {
    case 'paragraph':
      return `<p>${inlines(b.content)}</p>`
    case 'heading':
      return `<h${b.level}>${inlines(b.content)}</h${b.level}>`
    case 'list': {
      const tag = b.ordered ? 'ol' : 'ul'
      return `<${tag}>${b.items.map((i) => `<li>${inlines(i)}</li>`).join('')}</${tag}>`
    }
    case 'image':
      return `<img src="${escapeHtml(b.src)}" alt="${escapeHtml(b.alt ?? '')}">`
  }
}

/**
 * HTML for a document, safe to put in a page as it is: it is checked by the schema again first
 * (a value stored around the API is never rendered), and every text and URL is escaped.
 */
export const renderRichText = (doc: unknown): string => {
  const parsed = RichTextSchema.safeParse(doc)
  return parsed.success ? parsed.data.blocks.map(block).join('\n') : ''
}

/** A stored document read back: the schema again, so nothing written around the API is served. */
export const storedRichText = (json: string | undefined): RichText => {
  try {
    const parsed = RichTextSchema.safeParse(JSON.parse(json ?? ''))
    return parsed.success ? parsed.data : { blocks: [] }
  } catch {
    return { blocks: [] }
  }
}
