// The few web-platform globals shared/ may use: both of its runtimes (Node and the renderer's
// Chromium) provide them, with these WHATWG shapes. Declared here, narrowly, because shared/ is
// compiled with neither DOM nor Node types; add a global only if both runtimes have it.

interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}

interface TextDecodeOptions {
  stream?: boolean;
}

interface TextDecoder {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input?: ArrayBufferView | ArrayBuffer, options?: TextDecodeOptions): string;
}

// `var`, as lib.dom.d.ts and @types/node declare it: a global is a property of globalThis.
// eslint-disable-next-line no-var
declare var TextDecoder: {
  prototype: TextDecoder;
  new (label?: string, options?: TextDecoderOptions): TextDecoder;
};
