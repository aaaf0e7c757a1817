package dev.capstan.recorder.live;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the one encode meets its live destinations. The encoder writes MPEG-TS to a Unix socket in a private
 * directory; this reads it on its own thread and hands every chunk to each destination, never waiting for one.
 * A slow or dead destination therefore cannot hold up the encoder, the file recording or the other destinations.
 *
 * <p>A destination that joins late (or reconnects) gets the stream from the next video keyframe on, preceded by
 * the latest program tables: the encoder puts its parameter sets before every keyframe, so the destination's own
 * FFmpeg knows the whole stream from its very first packets instead of probing for seconds.
 */
final class LiveFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    static final int PACKET = 188;
    private static final int CHUNK_PACKETS = 7;

    private final Path directory;
    private final Path socket;
    private final ServerSocketChannel server;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final TransportTables tables = new TransportTables();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile SocketChannel encoder;

    private LiveFeed(Path directory, Path socket, ServerSocketChannel server) {
        this.directory = directory;
        this.socket = socket;
        this.server = server;
    }

    /** Opens the socket in a fresh private directory (a Unix socket's path must stay short: /tmp, not the spool). */
    static LiveFeed open(String name) throws IOException {
        Path directory = Files.createTempDirectory("capstan-live-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = directory.resolve("feed.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        LiveFeed feed = new LiveFeed(directory, socket, server);
        Thread reader = new Thread(feed::run, "live-feed-" + name);
        reader.setDaemon(true);
        reader.start();
        return feed;
    }

    /** The address FFmpeg writes the stream to. */
    String encoderUrl() {
        return "unix:" + socket;
    }

    /** Takes the stream; never blocks the feed. */
    interface Subscriber {

        /** True while it needs the stream from a keyframe on (a new connection, or after it lost data). */
        boolean awaitsKeyframe();

        /** Whole transport packets; for a subscriber that awaited a keyframe, they start with the tables and it. */
        void accept(byte[] packets);
    }

    void subscribe(Subscriber subscriber) {
        subscribers.add(subscriber);
    }

    void unsubscribe(Subscriber subscriber) {
        subscribers.remove(subscriber);
    }

    /** Completes when the encoder has closed the stream (the recording ended) or the feed was closed. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    private void run() {
        // One encoder per recording: the first connection is it, and no other is accepted.
        try (SocketChannel channel = server.accept()) {
            encoder = channel;
            server.close();
            ByteBuffer buffer = ByteBuffer.allocate(PACKET * CHUNK_PACKETS);
            while (channel.read(buffer) >= 0) {
                int whole = buffer.position() - buffer.position() % PACKET;
                if (whole == 0) {
                    continue;
                }
                byte[] chunk = new byte[whole];
                buffer.flip();
                buffer.get(chunk);
                buffer.compact();
                int keyframe = tables.read(chunk);
                byte[] fromKeyframe = null;
                for (Subscriber subscriber : subscribers) {
                    if (!subscriber.awaitsKeyframe()) {
                        subscriber.accept(chunk);
                    } else if (keyframe >= 0) {
                        if (fromKeyframe == null) {
                            fromKeyframe = tables.startingAt(chunk, keyframe);
                        }
                        subscriber.accept(fromKeyframe);
                    }
                }
            }
        } catch (IOException e) {
            log.debug("live feed {} ended: {}", socket, e.toString());
        } finally {
            ended.complete(null);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            SocketChannel channel = encoder;
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(socket);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            log.debug("closing live feed {}: {}", socket, e.toString());
        }
        ended.complete(null);
    }
}
