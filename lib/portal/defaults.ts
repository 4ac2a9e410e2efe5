import type { Channel, Portal } from './schemas.js'

/**
 * What a member sees where no level publishes a portal, and what the seed publishes as the
 * platform's default: the home page of the product (my apps, news, announcements, schedule, todos).
 */
export const DEFAULT_PORTALS: Record<Channel, Portal> = {
  web: {
    pages: [
      {
        id: 'home',
        title: 'Home',
        widgets: [
          { id: 'my-apps', type: 'myApps', title: 'My apps' },
          { id: 'news', type: 'newsList', title: 'News', limit: 5 },
          { id: 'announcements', type: 'announcementList', title: 'Announcements', limit: 5 },
          { id: 'schedule', type: 'schedule', title: 'Today' },
          { id: 'todos', type: 'todos', title: 'To do', limit: 5 },
        ],
      },
    ],
    menus: [{ id: 'menu-home', title: 'Home', page: 'home' }],
  },
  mobile: {
    pages: [
      {
        id: 'home',
        title: 'Home',
        widgets: [
          { id: 'my-apps', type: 'myApps', title: 'My apps' },
          { id: 'announcements', type: 'announcementList', title: 'Announcements', limit: 3 },
          { id: 'todos', type: 'todos', title: 'To do', limit: 3 },
          { id: 'news', type: 'newsList', title: 'News', limit: 3 },
        ],
      },
    ],
    menus: [{ id: 'menu-home', title: 'Home', page: 'home' }],
  },
}
