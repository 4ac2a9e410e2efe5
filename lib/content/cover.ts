import { WebUrl } from '../core/http/address-schemas.js'

/**
 * An image shown with content (a news cover, an image in rich text): an absolute https URL (http
 * only for localhost). The one place images are checked, so an upload's ownership check can take
 * its place later.
 */
export const ContentImage = WebUrl.meta({
  description: 'an image: an absolute https URL (http only for localhost)',
})
