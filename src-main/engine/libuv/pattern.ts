// The bulk byte pattern of src-main/native/src/pattern.h, so libuv endpoints and native ones can
// check each other's streams: byte i of a stream is (i ^ (i >> 8)) & 0xff, period 65536.

export const patternPeriodBytes = 65536;

/** Two periods, so any slice of up to one period starts at (offset % period). Never written to. */
export const patternBuffer: Buffer = (() => {
  const bytes = Buffer.alloc(2 * patternPeriodBytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i ^ (i >> 8)) & 0xff;
  return bytes;
})();

/** A message of the given size cut from the pattern at offset (so successive messages differ). */
export function patternMessage(sizeBytes: number, offset: number): Buffer {
  const message = Buffer.allocUnsafe(sizeBytes);
  for (let done = 0; done < sizeBytes; ) {
    const start = (offset + done) % patternPeriodBytes;
    const take = Math.min(sizeBytes - done, patternPeriodBytes);
    patternBuffer.copy(message, done, start, start + take);
    done += take;
  }
  return message;
}

/** Checks incoming stream bytes against the pattern; counts the bytes that differ. */
export class PatternVerifier {
  private offset = 0;

  check(data: Buffer): number {
    let wrong = 0;
    for (let at = 0; at < data.length; ) {
      const start = this.offset % patternPeriodBytes;
      const take = Math.min(data.length - at, patternPeriodBytes);
      if (patternBuffer.compare(data, at, at + take, start, start + take) !== 0) {
        for (let i = 0; i < take; i++) if (data[at + i] !== patternBuffer[start + i]) wrong++;
      }
      at += take;
      this.offset += take;
    }
    return wrong;
  }
}

/** Datagrams of the bulk and ping-pong workloads start with a little-endian sequence number. */
export const sequenceBytes = 8;

export function putSequence(datagram: Buffer, sequence: number): void {
  datagram.writeBigUInt64LE(BigInt(sequence), 0);
}

export function getSequence(datagram: Buffer): number {
  return Number(datagram.readBigUInt64LE(0));
}
