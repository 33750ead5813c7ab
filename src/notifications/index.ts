/** Mail, as the drop simulator reads it: opening a sealed outbox mail to follow a verification link. */
export { openMail } from './outbox.repository.js';
