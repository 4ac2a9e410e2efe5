// The web workbench: one page (served by the tenant's issuer at /t/<code>/), views by the address's
// fragment, everything from the API as the signed-in member. Each part of a view that its service
// does not answer (404) shows as empty; nothing from the API is ever parsed as HTML.
import { createApi, SignedOut } from './api.js'
import { h, richText, safeUrl, show, when } from './dom.js'

const { issuer, siteName, siteLogo } = document.body.dataset
const api = createApi(issuer)
const root = document.getElementById('app')

const section = (title, ...body) => h('section', { class: 'card' }, h('h2', {}, title), ...body)
const empty = (text) => h('p', { class: 'empty' }, text)
const itemsOf = (value) => (Array.isArray(value?.items) ? value.items : [])

/** An app tile: it starts the app through the issuer, which signs the member in by its protocol. */
const appTile = (app) => {
  const icon = safeUrl(app.iconUrl)
  const launch = safeUrl(app.launchUrl)
  const body = [
    icon ? h('img', { src: icon, alt: '' }) : h('span', { class: 'icon' }, (app.name ?? '?').slice(0, 1)),
    h('span', { class: 'name' }, app.name),
  ]
  return launch
    ? h('a', { class: 'app', href: launch, 'data-app': app.appId, title: app.description }, body)
    : h('span', { class: 'app built-in', title: app.description }, body)
}

/** Apps in their groups, in the workbench's order; those in no group last. */
const appGrid = (apps) => {
  const items = itemsOf(apps)
  if (items.length === 0) return [empty('No apps yet: ask your administrator for access.')]
  const groups = Array.isArray(apps.groups) ? apps.groups : []
  const grouped = groups.map((g) => ({ name: g.name, items: items.filter((a) => a.groupId === g.groupId) }))
  const loose = items.filter((a) => !groups.some((g) => g.groupId === a.groupId))
  return [...grouped, { name: groups.length ? 'Other apps' : '', items: loose }]
    .filter((g) => g.items.length > 0)
    .map((g) =>
      h(
        'div',
        { class: 'app-group' },
        g.name && h('h3', {}, g.name),
        h('div', { class: 'apps' }, g.items.map(appTile)),
      ),
    )
}

const newsList = (items) =>
  items.length === 0
    ? empty('No news.')
    : h(
        'ul',
        { class: 'list' },
        items.map((n) =>
          h(
            'li',
            {},
            h('a', { href: `#/news/${encodeURIComponent(n.newsId)}` }, n.pinned ? '📌 ' : '', n.title),
            h('time', {}, when(n.publishedAt)),
          ),
        ),
      )

const announcementList = (items) =>
  items.length === 0
    ? empty('Nothing to read.')
    : h(
        'ul',
        { class: 'list' },
        items.map((a) =>
          h(
            'li',
            { class: a.read ? 'read' : 'unread' },
            h('a', { href: `#/announcements/${encodeURIComponent(a.announcementId)}` }, a.title),
            h('time', {}, when(a.publishedAt)),
          ),
        ),
      )

/** The home page: one call (`GET /v1/me/home`); without it, the apps alone. */
const home = async () => {
  const data = (await api.get('/v1/me/home')) ?? { apps: await api.get('/v1/me/apps') }
  const events = Array.isArray(data.schedule?.events) ? data.schedule.events : []
  const todos = itemsOf(data.todos)
  const announcements = data.announcements ?? {}
  const parts = {
    apps: section('My apps', appGrid(data.apps)),
    announcements: section(
      `Announcements${announcements.unreadCount ? ` (${announcements.unreadCount} unread)` : ''}`,
      announcementList(itemsOf(announcements)),
    ),
    news: section('News', newsList(itemsOf(data.news))),
    schedule: section(
      'Today',
      events.length === 0
        ? empty('Nothing scheduled today.')
        : h(
            'ul',
            { class: 'list' },
            events.map((e) => h('li', {}, e.title ?? '', h('time', {}, when(e.start)))),
          ),
    ),
    todos: section(
      'Todos',
      todos.length === 0
        ? empty('No open todos.')
        : h(
            'ul',
            { class: 'list' },
            todos.map((t) => h('li', {}, t.title ?? '')),
          ),
    ),
  }
  // the portal's home page orders the widgets it names; what it does not name follows
  const named = (data.portal?.portal?.pages?.[0]?.widgets ?? []).map((w) => WIDGETS[w?.type]).filter(Boolean)
  const order = [...new Set([...named, 'apps', 'announcements', 'news', 'schedule', 'todos'])]
  return [
    h('h1', {}, 'Home'),
    h(
      'div',
      { class: 'home' },
      order.map((k) => parts[k]),
    ),
  ]
}
const WIDGETS = {
  myApps: 'apps',
  appGroup: 'apps',
  newsList: 'news',
  announcementList: 'announcements',
  schedule: 'schedule',
  todos: 'todos',
}

const apps = async () => [h('h1', {}, 'My apps'), ...appGrid(await api.get('/v1/me/apps'))]

const news = async (id) => {
  if (id) {
    const item = await api.get(`/v1/news/${encodeURIComponent(id)}`)
    if (!item) return [h('h1', {}, 'News'), empty('This article is not available.')]
    return [
      h('p', {}, h('a', { href: '#/news' }, '← All news')),
      h(
        'article',
        {},
        h('h1', {}, item.title),
        h('time', { class: 'meta' }, when(item.publishedAt)),
        richText(item.body ?? item.summary),
      ),
    ]
  }
  return [h('h1', {}, 'News'), newsList(itemsOf(await api.get('/v1/me/feed')))]
}

const announcements = async (id) => {
  if (id) {
    const path = `/v1/announcements/${encodeURIComponent(id)}`
    const item = await api.get(path)
    if (!item) return [h('h1', {}, 'Announcement'), empty('This announcement is not available.')]
    const mark = h(
      'button',
      { type: 'button', class: 'mark-read', disabled: item.read },
      item.read ? 'Read' : 'Mark as read',
    )
    mark.addEventListener('click', async () => {
      mark.disabled = true
      await api.post(`${path}/read`)
      mark.textContent = 'Read'
    })
    return [
      h('p', {}, h('a', { href: '#/announcements' }, '← All announcements')),
      h(
        'article',
        {},
        h('h1', {}, item.title),
        h('time', { class: 'meta' }, when(item.publishedAt)),
        richText(item.body),
        mark,
      ),
    ]
  }
  const [unread, all] = await Promise.all([
    api.get('/v1/me/announcements?unread=true'),
    api.get('/v1/me/announcements'),
  ])
  return [
    h('h1', {}, 'Announcements'),
    section('Unread', announcementList(itemsOf(unread))),
    section('All', announcementList(itemsOf(all))),
  ]
}

const card = (c) =>
  h(
    'li',
    { class: 'contact' },
    h('strong', {}, c.name),
    c.mobile && h('span', {}, '📱 ', c.mobile),
    c.email && h('span', {}, '✉ ', c.email),
    c.employeeNo && h('span', {}, '# ', c.employeeNo),
  )

/** Contacts: the department tree and service numbers; a department's people, or a search. */
const contacts = async () => {
  const data = (await api.get('/v1/contacts')) ?? { departments: [], servicePhones: [] }
  const people = h('ul', { class: 'contacts' })
  const load = async (query) => {
    const found = itemsOf(await api.get(`/v1/contacts/members?${new URLSearchParams(query)}`))
    show(people, found.length === 0 ? empty('Nobody found.') : found.map(card))
  }
  const tree = (departments) =>
    h(
      'ul',
      { class: 'tree' },
      departments.map((d) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'link',
              onclick: () => load({ departmentId: d.deptId, includeSubDepartments: 'true' }),
            },
            d.name,
            ` (${d.memberCount})`,
          ),
          Array.isArray(d.children) && d.children.length > 0 && tree(d.children),
        ),
      ),
    )
  const search = h('input', {
    type: 'search',
    name: 'q',
    placeholder: 'Exact name, mobile or e-mail',
    'aria-label': 'Search contacts',
  })
  const form = h(
    'form',
    {
      class: 'search',
      onsubmit: (e) => {
        e.preventDefault()
        const q = search.value.trim()
        load(q ? { q } : {})
      },
    },
    search,
    h('button', { type: 'submit' }, 'Search'),
  )
  const phones = Array.isArray(data.servicePhones) ? data.servicePhones : []
  await load({})
  return [
    h('h1', {}, 'Contacts'),
    h(
      'div',
      { class: 'contacts-page' },
      h(
        'aside',
        {},
        section('Departments', data.departments?.length ? tree(data.departments) : empty('No departments.')),
        section(
          'Service numbers',
          phones.length === 0
            ? empty('None.')
            : h(
                'ul',
                { class: 'list' },
                phones.map((p) => h('li', {}, p.name, h('span', {}, p.phone))),
              ),
        ),
      ),
      section('People', form, people),
    ),
  ]
}

/** Content pages the platform keeps (product introduction, user guide). */
const contentPage = async (slug) => {
  const item = await api.get(`/v1/pages/${encodeURIComponent(slug)}`)
  return item
    ? [h('article', {}, h('h1', {}, item.title), richText(item.body))]
    : [h('h1', {}, 'Not available'), empty('This page is not available yet.')]
}

const VIEWS = { home, apps, news, announcements, contacts, page: contentPage }
const NAV = [
  ['home', 'Home'],
  ['apps', 'My apps'],
  ['news', 'News'],
  ['announcements', 'Announcements'],
  ['contacts', 'Contacts'],
]

const main = h('main', { id: 'view', tabindex: '-1' })
const nav = h(
  'nav',
  {},
  NAV.map(([key, label]) => h('a', { href: `#/${key}`, 'data-view': key }, label)),
)
const logo = safeUrl(siteLogo)
show(
  root,
  h(
    'header',
    { class: 'top' },
    h(
      'a',
      { class: 'site', href: '#/home' },
      logo && h('img', { class: 'site-logo', src: logo, alt: '' }),
      h('span', {}, siteName),
    ),
    nav,
    h('a', { class: 'sign-out', href: `${issuer}/api/v1/logout` }, 'Sign out'),
  ),
  main,
  h(
    'footer',
    {},
    h('a', { href: '#/page/product-introduction' }, 'About'),
    ' · ',
    h('a', { href: '#/page/user-guide' }, 'User guide'),
  ),
)

const render = async () => {
  const [, key = 'home', arg] = location.hash.split('/')
  const view = VIEWS[key] ?? home
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('current', a.dataset.view === key)
  main.setAttribute('aria-busy', 'true')
  try {
    show(main, await view(arg && decodeURIComponent(arg)))
  } catch (err) {
    if (err instanceof SignedOut) return
    show(main, h('p', { class: 'error', role: 'alert' }, 'Could not load this page: ', err.message))
  } finally {
    main.removeAttribute('aria-busy')
  }
}

window.addEventListener('hashchange', render)
render()
