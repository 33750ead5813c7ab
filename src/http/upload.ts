import express, { type Request, type Response } from 'express';
import { AppError } from '../shared/errors.js';

/** A route whose body is a file's bytes rather than JSON (an event's picture). */
export interface UploadSpec {
  /** The media types accepted in Content-Type; the service still judges the bytes themselves. */
  types: readonly string[];
  maxBytes: number;
}

/**
 * Reads an upload's bytes, after the caller was authenticated (mount.ts parses the body after
 * the session), so a stranger's 8 MB is never buffered. Over `maxBytes` is a 413 naming the
 * body and its bound; a Content-Type not in `types` a 415 naming the header.
 */
export async function readUpload(req: Request, res: Response, spec: UploadSpec): Promise<Buffer> {
  const sent = req.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (!sent || !spec.types.includes(sent)) {
    throw new AppError(415, 'request.unsupported_media_type', `Send the file as one of ${spec.types.join(', ')}.`, {
      errors: [
        {
          in: 'header',
          field: 'Content-Type',
          code: 'unsupported_media_type',
          message: `must be one of ${spec.types.join(', ')}`,
        },
      ],
    });
  }
  const parse = express.raw({ type: () => true, limit: spec.maxBytes });
  try {
    await new Promise<void>((resolve, reject) => parse(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') {
      const mb = Math.round(spec.maxBytes / 1_048_576);
      throw new AppError(413, 'request.too_large', `The file is larger than ${mb} MB.`, {
        errors: [
          {
            in: 'body',
            field: '',
            code: 'too_big',
            message: `larger than ${mb} MB`,
            origin: 'bytes',
            maximum: spec.maxBytes,
          },
        ],
        data: { maxBytes: spec.maxBytes },
      });
    }
    throw err;
  }
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}
