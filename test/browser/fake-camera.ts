import { writeFile } from 'node:fs/promises';
import QRCode from 'qrcode';

/**
 * A video file Chromium plays as its camera (`--use-file-for-fake-video-capture`): a ticket's QR
 * code, drawn black on white in the middle of a grey frame, as YUV4MPEG2 (a text header, then
 * per frame "FRAME\n" and the Y, U and V planes of 4:2:0). No encoder needed.
 */
export async function writeQrVideo(
  path: string,
  text: string,
  options: { width?: number; height?: number; frames?: number; modulePx?: number } = {},
): Promise<void> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 4;
  const side = modules.size + 2 * quiet;
  const px = options.modulePx ?? Math.floor((Math.min(width, height) * 0.9) / side);
  if (px < 2) throw new Error(`the code (${modules.size} modules) does not fit a ${width}×${height} frame`);
  const left = Math.floor((width - side * px) / 2);
  const top = Math.floor((height - side * px) / 2);

  const luma = Buffer.alloc(width * height, 128);
  for (let y = 0; y < side * px; y++) {
    for (let x = 0; x < side * px; x++) {
      const mx = Math.floor(x / px) - quiet;
      const my = Math.floor(y / px) - quiet;
      const dark = mx >= 0 && my >= 0 && mx < modules.size && my < modules.size && modules.get(my, mx);
      luma[(top + y) * width + left + x] = dark ? 16 : 235;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  await writeFile(path, Buffer.concat([header, ...Array.from({ length: options.frames ?? 10 }, () => frame)]));
}
