// Elements built from data without ever parsing it as HTML: text goes in as text nodes, attributes
// through setAttribute, addresses only when they are http(s). Nothing here uses innerHTML.

/** An address from data, if it is one a link or an image may use (never `javascript:` or `data:`). */
export const safeUrl = (value) => {
  if (typeof value !== 'string' || value === '') return undefined
  try {
    const url = new URL(value, location.href)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined
  } catch {
    return undefined
  }
}

/** `h('a', { href, class, onclick }, 'text', child)`: an element; falsy props and children are left out. */
export const h = (tag, props = {}, ...children) => {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value)
    else if (key === 'class') el.className = value
    else el.setAttribute(key, String(value))
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : String(child))
  }
  return el
}

/** Replaces what an element shows. */
export const show = (el, ...children) => {
  el.replaceChildren()
  for (const child of children.flat(Infinity)) if (child) el.append(child)
}

/** A date and time as the reader's browser writes them, or nothing for a value that is not one. */
export const when = (value) => {
  const date = value ? new Date(value) : undefined
  return date && !Number.isNaN(date.getTime())
    ? date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : ''
}

const inline = (t) => {
  let node = t?.text ?? ''
  if (t?.bold) node = h('strong', {}, node)
  if (t?.italic) node = h('em', {}, node)
  const href = safeUrl(t?.link)
  return href ? h('a', { href, rel: 'noopener noreferrer', target: '_blank' }, node) : node
}
const inlines = (content) => (Array.isArray(content) ? content.map(inline) : [])

const block = (b) => {
  if (b?.type === 'heading')
    return h(`h${Math.min(Math.max(Number(b.level) || 1, 1), 3) + 1}`, {}, inlines(b.content))
  if (b?.type === 'list')
    return h(
      b.ordered ? 'ol' : 'ul',
      {},
      (b.items ?? []).map((item) => h('li', {}, inlines(item))),
    )
  if (b?.type === 'image') {
    const src = safeUrl(b.src)
    return src && h('img', { src, alt: b.alt ?? '' })
  }
  return h('p', {}, inlines(b?.content))
}

/**
 * An article's body: the API's structured document (`{ blocks }`: paragraphs, headings, lists,
 * images), or plain text (blank lines part paragraphs), built element by element: markup in any text
 * is shown as the characters it is.
 */
export const richText = (body) =>
  Array.isArray(body?.blocks)
    ? body.blocks.map(block)
    : String(body ?? '')
        .split(/\n\s*\n/)
        .filter((t) => t.trim() !== '')
        .map((t) => h('p', {}, t))
