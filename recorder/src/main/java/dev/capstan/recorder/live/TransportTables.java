package dev.capstan.recorder.live;

import java.util.Arrays;

/**
 * Just enough MPEG-TS to start a stream anywhere: the latest program tables (PAT and PMT) and where H.264
 * keyframes begin (a packet of the video stream that starts a frame with the random-access flag set, which
 * FFmpeg's muxer sets on keyframes).
 */
final class TransportTables {

    private static final int PACKET = LiveFeed.PACKET;
    private static final int H264 = 0x1B;

    private byte[] pat;
    private byte[] pmt;
    private int pmtPid = -1;
    private int videoPid = -1;

    /** Remembers the tables in these packets; returns the offset of the first keyframe start among them, or -1. */
    int read(byte[] packets) {
        int keyframe = -1;
        for (int offset = 0; offset + PACKET <= packets.length; offset += PACKET) {
            if (packets[offset] != 0x47) {
                continue;
            }
            int pid = ((packets[offset + 1] & 0x1F) << 8) | (packets[offset + 2] & 0xFF);
            if (pid == 0) {
                pat = Arrays.copyOfRange(packets, offset, offset + PACKET);
                pmtPid = firstProgramMapPid(pat);
            } else if (pid == pmtPid) {
                pmt = Arrays.copyOfRange(packets, offset, offset + PACKET);
                videoPid = videoPid(pmt);
            } else if (pid == videoPid && keyframe < 0 && startsKeyframe(packets, offset)) {
                keyframe = offset;
            }
        }
        return pat != null && pmt != null ? keyframe : -1;
    }

    /** The tables, then the packets from {@code offset} on. */
    byte[] startingAt(byte[] packets, int offset) {
        byte[] start = new byte[2 * PACKET + packets.length - offset];
        System.arraycopy(pat, 0, start, 0, PACKET);
        System.arraycopy(pmt, 0, start, PACKET, PACKET);
        System.arraycopy(packets, offset, start, 2 * PACKET, packets.length - offset);
        return start;
    }

    private static boolean startsKeyframe(byte[] p, int offset) {
        boolean unitStart = (p[offset + 1] & 0x40) != 0;
        boolean adaptation = (p[offset + 3] & 0x20) != 0;
        return unitStart && adaptation && (p[offset + 4] & 0xFF) > 0 && (p[offset + 5] & 0x40) != 0;
    }

    /** Where a table section starts in a packet that begins one, or -1. */
    private static int section(byte[] p) {
        if ((p[1] & 0x40) == 0) {
            return -1;
        }
        int payload = 4;
        if ((p[3] & 0x20) != 0) {
            payload += 1 + (p[4] & 0xFF);
        }
        if (payload >= PACKET) {
            return -1;
        }
        int start = payload + 1 + (p[payload] & 0xFF);
        return start + 3 < PACKET ? start : -1;
    }

    private static int sectionEnd(byte[] p, int start) {
        int length = ((p[start + 1] & 0x0F) << 8) | (p[start + 2] & 0xFF);
        // Up to the CRC, within this packet.
        return Math.min(PACKET, start + 3 + length - 4);
    }

    private static int firstProgramMapPid(byte[] p) {
        int start = section(p);
        if (start < 0) {
            return -1;
        }
        int end = sectionEnd(p, start);
        for (int i = start + 8; i + 4 <= end; i += 4) {
            int program = ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
            if (program != 0) {
                return ((p[i + 2] & 0x1F) << 8) | (p[i + 3] & 0xFF);
            }
        }
        return -1;
    }

    private static int videoPid(byte[] p) {
        int start = section(p);
        if (start < 0) {
            return -1;
        }
        int end = sectionEnd(p, start);
        int programInfo = ((p[start + 10] & 0x0F) << 8) | (p[start + 11] & 0xFF);
        for (int i = start + 12 + programInfo; i + 5 <= end; ) {
            int type = p[i] & 0xFF;
            int pid = ((p[i + 1] & 0x1F) << 8) | (p[i + 2] & 0xFF);
            if (type == H264) {
                return pid;
            }
            i += 5 + (((p[i + 3] & 0x0F) << 8) | (p[i + 4] & 0xFF));
        }
        return -1;
    }
}
