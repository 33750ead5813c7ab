import { AppError, notFound, type FieldProblem } from '../shared/errors.js';

const field = (f: Omit<FieldProblem, 'in'> & { in?: FieldProblem['in'] }): FieldProblem => ({ in: 'body', ...f });

export const mediaErrors = {
  unsupportedType: (what: string) =>
    new AppError(415, 'media.unsupported_type', `${what} is not a JPEG, PNG or WebP image.`, {
      errors: [field({ field: '', code: 'unsupported_type', message: 'must be a JPEG, PNG or WebP image' })],
    }),
  unsupportedContentType: (sent: string | undefined) =>
    new AppError(
      415,
      'media.unsupported_type',
      `Send the picture's bytes as image/jpeg, image/png or image/webp (sent: ${sent ?? 'nothing'}).`,
      {
        errors: [
          field({
            in: 'header',
            field: 'Content-Type',
            code: 'unsupported_type',
            message: 'must be image/jpeg, image/png or image/webp',
          }),
        ],
      },
    ),
  notAnImage: () =>
    new AppError(422, 'media.not_an_image', 'The file looks like an image but cannot be read: it may be damaged.', {
      errors: [field({ field: '', code: 'not_an_image', message: 'cannot be read as an image' })],
    }),
  tooLarge: (maxBytes: number) =>
    new AppError(413, 'media.too_large', `The picture is larger than ${Math.round(maxBytes / 1_048_576)} MB.`, {
      errors: [field({ field: '', code: 'too_big', message: 'too large', origin: 'bytes', maximum: maxBytes })],
      data: { maxBytes },
    }),
  tooManyPixels: (maxPixels: number) =>
    new AppError(
      422,
      'media.too_many_pixels',
      `The picture has more than ${Math.round(maxPixels / 1_000_000)} million pixels.`,
      {
        errors: [
          field({ field: '', code: 'too_big', message: 'too many pixels', origin: 'pixels', maximum: maxPixels }),
        ],
        data: { maxPixels },
      },
    ),
  tooSmall: (minWidth: number, minHeight: number, width: number, height: number) =>
    new AppError(
      422,
      'media.too_small',
      `The picture is ${width}×${height} pixels; it needs to be at least ${minWidth}×${minHeight}.`,
      {
        errors: [field({ field: '', code: 'too_small', message: `at least ${minWidth}×${minHeight} pixels` })],
        data: { minWidth, minHeight, width, height },
      },
    ),
  empty: () =>
    new AppError(400, 'media.empty', 'The request carries no picture.', {
      errors: [field({ field: '', code: 'required', message: 'the picture’s bytes are required', missing: true })],
    }),
  lowContrast: (ratio: number, against: string, minimum: number) => {
    // Rounded down, so a ratio just short of the bound never reads as meeting it.
    const shown = Math.floor(ratio * 100) / 100;
    return new AppError(
      422,
      'branding.low_contrast',
      `The accent colour's contrast against ${against} is ${shown.toFixed(2)}:1; it needs at least ${minimum}:1 to be readable.`,
      {
        errors: [
          field({
            field: 'accent',
            code: 'low_contrast',
            message: `contrast ${shown.toFixed(2)}:1 against ${against}`,
          }),
        ],
        data: { ratio: shown, against, minimum },
      },
    );
  },
  fileNotFound: () => notFound('media.not_found', 'No picture by this name.'),
  noPicture: () => notFound('media.no_picture', 'This event has no picture in that place.'),
};
