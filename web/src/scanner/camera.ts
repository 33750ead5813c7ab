/**
 * Camera scanning: the browser's own BarcodeDetector where it reads QR codes (Chrome on Android
 * and ChromeOS, Safari 17+ on some devices), otherwise jsQR on the video frames (desktop
 * Chromium and Firefox, Linux). jsQR is loaded only when the camera starts without a detector,
 * so a page that never scans with the camera never downloads it.
 */
import { t } from '../lib/i18n.js';

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = (new (options: { formats: string[] }) => BarcodeDetectorLike) & {
  getSupportedFormats?: () => Promise<string[]>;
};

type JsQR = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'dontInvert' | 'attemptBoth' },
) => { data: string } | null;

/** Reads the QR code in the current video frame, if any. */
interface FrameReader {
  read(video: HTMLVideoElement): Promise<string | null>;
}

const detectorClass = (): BarcodeDetectorCtor | undefined =>
  (globalThis as unknown as { BarcodeDetector?: BarcodeDetectorCtor }).BarcodeDetector;

async function nativeReader(): Promise<FrameReader | null> {
  const Detector = detectorClass();
  if (!Detector) return null;
  try {
    const formats = await Detector.getSupportedFormats?.();
    if (formats && !formats.includes('qr_code')) return null;
  } catch {
    return null;
  }
  const detector = new Detector({ formats: ['qr_code'] });
  return { read: async (video) => (await detector.detect(video))[0]?.rawValue ?? null };
}

/** Frames are scaled down to this width before decoding: a phone's 1080p frame costs too much to scan 5× a second. */
const DECODE_WIDTH = 640;

async function jsqrReader(): Promise<FrameReader> {
  // jsqr is CommonJS whose module.exports is the function; its types declare a default export.
  const loaded: unknown = (await import('jsqr')).default;
  const decode = (typeof loaded === 'function' ? loaded : (loaded as { default: JsQR }).default) as JsQR;
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error(t('scanner:station.noFrames'));
  return {
    async read(video) {
      if (!video.videoWidth || !video.videoHeight) return null; // the camera is still warming up
      const scale = Math.min(1, DECODE_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      return decode(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
    },
  };
}

/** True when this browser can show a camera (the QR decoding itself always works: jsQR is the fallback). */
export function cameraScanningAvailable(): boolean {
  return typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/** A frame every 200 ms: fast enough to feel instant, light enough for an old phone's battery. */
const FRAME_MS = 200;
/** The same code held in front of the camera is scanned once, not five times a second. */
const SAME_CODE_PAUSE_MS = 4000;

export interface Camera {
  /** 'native' (BarcodeDetector) or 'jsqr'. */
  readonly decoder: 'native' | 'jsqr';
  stop(): void;
}

/** Starts the rear camera in `video`; `onCode` is awaited before the next frame is read. */
export async function startCamera(video: HTMLVideoElement, onCode: (code: string) => Promise<void>): Promise<Camera> {
  const native = await nativeReader();
  const reader = native ?? (await jsqrReader());
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  let running = true;
  let last = '';
  let lastAt = 0;
  const tick = async () => {
    if (!running) return;
    try {
      const raw = (await reader.read(video))?.trim();
      if (raw && (raw !== last || Date.now() - lastAt > SAME_CODE_PAUSE_MS)) {
        last = raw;
        lastAt = Date.now();
        await onCode(raw);
      }
    } catch {
      // A frame that could not be read (camera warming up): try the next one.
    }
    if (running) setTimeout(() => void tick(), FRAME_MS);
  };
  void tick();
  return {
    decoder: native ? 'native' : 'jsqr',
    stop() {
      running = false;
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    },
  };
}
