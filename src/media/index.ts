/** Event pictures and queue-page branding. */
export { MediaService } from './media.service.js';
export { mediaRoutes } from './media.routes.js';
export { pictureView } from './media.views.js';
export { pictureSchema, type PictureView } from './media.schemas.js';
