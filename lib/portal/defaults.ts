import type { Channel, Portal } from './schemas.js'

type Widget = Portal['pages'][number]['widgets'][number]

/** A portal of one home page, the only page its menu points to. */
const homeOnly = (widgets: Widget[]): Portal => ({
  pages: [{ id: 'home', title: 'Home', widgets }],
  menus: [{ id: 'menu-home', title: 'Home', page: 'home' }],
})

/**
 * What a member sees where no level publishes a portal, and what the seed publishes as the
 * platform's default: the home page of the product (my apps, news, announcements, schedule, todos).
 */
export const DEFAULT_PORTALS: Record<Channel, Portal> = {
  web: homeOnly([
    { id: 'my-apps', type: 'myApps', title: 'My apps' },
    { id: 'news', type: 'newsList', title: 'News', limit: 5 },
    { id: 'announcements', type: 'announcementList', title: 'Announcements', limit: 5 },
    { id: 'schedule', type: 'schedule', title: 'Today' },
    { id: 'todos', type: 'todos', title: 'To do', limit: 5 },
  ]),
  mobile: homeOnly([
    { id: 'my-apps', type: 'myApps', title: 'My apps' },
    { id: 'announcements', type: 'announcementList', title: 'Announcements', limit: 3 },
    { id: 'todos', type: 'todos', title: 'To do', limit: 3 },
    { id: 'news', type: 'newsList', title: 'News', limit: 3 },
  ]),
}
