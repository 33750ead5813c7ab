/**
 * Camera scanning with the browser's own BarcodeDetector (Chrome on Android and ChromeOS, Safari
 * 17+ on some devices). Where it is missing the page says so and the steward types the code:
 * no decoder library is bundled (see the scanner's notes in the report for why).
 */

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = (new (options: { formats: string[] }) => BarcodeDetectorLike) & { getSupportedFormats?: () => Promise<string[]> };

const detectorClass = (): BarcodeDetectorCtor | undefined => (globalThis as unknown as { BarcodeDetector?: BarcodeDetectorCtor }).BarcodeDetector;

/** True when this browser can read QR codes from a camera. */
export async function cameraScanningAvailable(): Promise<boolean> {
  const ctor = detectorClass();
  if (!ctor || !navigator.mediaDevices?.getUserMedia) return false;
  try {
    return (await ctor.getSupportedFormats?.())?.includes('qr_code') ?? true;
  } catch {
    return false;
  }
}

/** A frame every 200 ms: fast enough to feel instant, light enough for an old phone's battery. */
const FRAME_MS = 200;
/** The same code held in front of the camera is scanned once, not five times a second. */
const SAME_CODE_PAUSE_MS = 4000;

export interface Camera {
  stop(): void;
}

/** Starts the rear camera in `video`; `onCode` is awaited before the next frame is read. */
export async function startCamera(video: HTMLVideoElement, onCode: (code: string) => Promise<void>): Promise<Camera> {
  const Detector = detectorClass();
  if (!Detector) throw new Error('BarcodeDetector is not available');
  const detector = new Detector({ formats: ['qr_code'] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  let running = true;
  let last = '';
  let lastAt = 0;
  const tick = async () => {
    if (!running) return;
    try {
      const [found] = await detector.detect(video);
      const raw = found?.rawValue.trim();
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
    stop() {
      running = false;
      for (const track of stream.getTracks()) track.stop();
      video.srcObject = null;
    },
  };
}
