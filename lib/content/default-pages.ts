import type { RichText } from './rich-text.js'

const text = (t: string) => ({ type: 'paragraph' as const, content: [{ text: t }] })
const heading = (t: string) => ({ type: 'heading' as const, level: 2, content: [{ text: t }] })
const list = (...items: string[]) => ({
  type: 'list' as const,
  ordered: false,
  items: items.map((t) => [{ text: t }]),
})

/**
 * The personal centre's pages as the platform starts with them; the system admin rewrites them
 * (`PUT /v1/platform/pages/{slug}`). Their slugs are the ones the web workbench links to.
 */
export const DEFAULT_PAGES: Record<string, { title: string; body: RichText }> = {
  'product-introduction': {
    title: 'About Atrium',
    body: {
      blocks: [
        text(
          'Atrium is your enterprise workbench: one directory, one sign-in and one place to reach every app your organisation uses.',
        ),
        list(
          'Home gathers your apps, news and the announcements you have not read yet.',
          'Your apps open without signing in again.',
          'Contacts shows your colleagues and the service numbers your administrator keeps.',
        ),
      ],
    },
  },
  'user-guide': {
    title: 'User guide',
    body: {
      blocks: [
        heading('Opening an app'),
        text('Choose an app on Home or under My apps: it opens signed in as you.'),
        heading('Announcements'),
        text('Unread announcements are counted on Home. Open one and mark it read once you have read it.'),
        heading('Signing out'),
        text('Sign out ends your session in every app you opened from here.'),
      ],
    },
  },
}
