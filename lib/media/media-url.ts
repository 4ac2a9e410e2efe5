import { config } from '../core/config.js'
import type { Level } from '../core/levels.js'

/** Every uploaded object is under this prefix, the one the bucket serves to browsers. */
const SERVED = 'media'

/** The owner's key prefix, so an object's key says whose it is: `media/p/`, `media/i/<industry>/`, `media/t/<tenantId>/`. */
export const mediaPrefix = (l: Level): string =>
  `${SERVED}/${l.level === 'platform' ? 'p' : l.level === 'industry' ? `i/${l.industry}` : `t/${l.tenantId}`}/`

/** Where browsers read the bucket's served objects. */
export const mediaBaseUrl = (): string => {
  const { MEDIA_PUBLIC_URL, S3_ENDPOINT, MEDIA_BUCKET, AWS_REGION } = config()
  return (
    MEDIA_PUBLIC_URL ??
    (S3_ENDPOINT
      ? `${S3_ENDPOINT.replace(/\/+$/, '')}/${MEDIA_BUCKET}`
      : `https://${MEDIA_BUCKET}.s3.${AWS_REGION}.amazonaws.com`)
  )
}
