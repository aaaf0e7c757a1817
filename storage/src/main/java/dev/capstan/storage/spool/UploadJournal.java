package dev.capstan.storage.spool;

import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * What an upload has done so far, kept beside its segments ({@code upload.properties}) so that a restarted
 * process continues where the last one stopped. Written atomically after every step that would be costly to
 * repeat: the multipart upload's id, each part's segment range, sealing, the multipart upload's completion (after
 * which it cannot take parts any more) and the whole upload's completion.
 */
final class UploadJournal {

    static final String FILE = "upload.properties";

    private final Path file;
    private final String mediaName;
    /** Whether the segments were fetched from the store (a salvage) rather than recorded here. */
    private boolean adopted;
    private String multipartId;
    private boolean multipartComplete;
    /** Part n (1-based) holds segments [starts[n-1], starts[n]) ; the last entry is where the next part starts. */
    private final List<Integer> partStarts = new ArrayList<>();
    private boolean sealed;
    private boolean complete;
    private List<String> extras = List.of();
    private ArchivedMedia result;

    private UploadJournal(Path file, String mediaName) {
        this.file = file;
        this.mediaName = mediaName;
        partStarts.add(0);
    }

    static UploadJournal create(Path directory, String mediaName) throws IOException {
        return create(directory, mediaName, false);
    }

    static UploadJournal create(Path directory, String mediaName, boolean adopted) throws IOException {
        UploadJournal journal = new UploadJournal(directory.resolve(FILE), mediaName);
        journal.adopted = adopted;
        journal.save();
        return journal;
    }

    static Optional<UploadJournal> read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        String name = p.getProperty("media");
        if (name == null) {
            throw new IOException(file + " has no media name");
        }
        UploadJournal journal = new UploadJournal(file, name);
        journal.adopted = Boolean.parseBoolean(p.getProperty("adopted"));
        journal.multipartId = p.getProperty("multipart");
        journal.multipartComplete = Boolean.parseBoolean(p.getProperty("multipart-complete"));
        String starts = p.getProperty("part-starts", "0");
        journal.partStarts.clear();
        for (String start : starts.split(",")) {
            journal.partStarts.add(Integer.parseInt(start.trim()));
        }
        journal.sealed = Boolean.parseBoolean(p.getProperty("sealed"));
        journal.complete = Boolean.parseBoolean(p.getProperty("complete"));
        String extras = p.getProperty("extras", "");
        journal.extras = extras.isEmpty() ? List.of() : List.of(extras.split(","));
        if (journal.complete && p.getProperty("result.key") != null) {
            String keys = p.getProperty("result.extra-keys", "");
            journal.result = new ArchivedMedia(RecordingId.of(p.getProperty("result.id")), p.getProperty("result.key"),
                    Long.parseLong(p.getProperty("result.size")), p.getProperty("result.sha256"),
                    keys.isEmpty() ? List.of() : List.of(keys.split(",")),
                    Integer.parseInt(p.getProperty("result.segments")));
        }
        return Optional.of(journal);
    }

    String mediaName() {
        return mediaName;
    }

    boolean adopted() {
        return adopted;
    }

    Optional<String> multipartId() {
        return Optional.ofNullable(multipartId);
    }

    /** Whether the multipart upload was completed: the final object exists, and the write takes no more parts. */
    boolean multipartComplete() {
        return multipartComplete;
    }

    /** Parts already uploaded. */
    int parts() {
        return partStarts.size() - 1;
    }

    /** The first segment not yet in a part. */
    int nextPartStart() {
        return partStarts.get(partStarts.size() - 1);
    }

    /** The segment range [from, to) of part {@code number} (1-based). */
    int[] partRange(int number) {
        return new int[] {partStarts.get(number - 1), partStarts.get(number)};
    }

    boolean sealed() {
        return sealed;
    }

    boolean complete() {
        return complete;
    }

    List<String> extras() {
        return extras;
    }

    void startedMultipart(String id) throws IOException {
        multipartId = id;
        multipartComplete = false;
        partStarts.subList(1, partStarts.size()).clear();
        save();
    }

    void completedMultipart() throws IOException {
        multipartComplete = true;
        save();
    }

    void uploadedPart(int endExclusive) throws IOException {
        partStarts.add(endExclusive);
        save();
    }

    void seal(List<String> extraFiles) throws IOException {
        sealed = true;
        extras = List.copyOf(extraFiles);
        save();
    }

    void completed(ArchivedMedia media) throws IOException {
        complete = true;
        result = media;
        save();
    }

    /** What the completed upload produced; kept so a restart can report it again. */
    Optional<ArchivedMedia> result() {
        return Optional.ofNullable(result);
    }

    private void save() throws IOException {
        Properties p = new Properties();
        p.setProperty("media", mediaName);
        if (adopted) {
            p.setProperty("adopted", "true");
        }
        if (multipartId != null) {
            p.setProperty("multipart", multipartId);
        }
        p.setProperty("multipart-complete", Boolean.toString(multipartComplete));
        p.setProperty("part-starts", String.join(",", partStarts.stream().map(String::valueOf).toList()));
        p.setProperty("sealed", Boolean.toString(sealed));
        p.setProperty("complete", Boolean.toString(complete));
        p.setProperty("extras", String.join(",", extras));
        if (result != null) {
            p.setProperty("result.id", result.id().value());
            p.setProperty("result.key", result.mediaKey());
            p.setProperty("result.size", Long.toString(result.size()));
            p.setProperty("result.sha256", result.sha256());
            p.setProperty("result.extra-keys", String.join(",", result.extraKeys()));
            p.setProperty("result.segments", Integer.toString(result.segments()));
        }
        Path temp = file.resolveSibling(FILE + ".tmp");
        try (OutputStream out = Files.newOutputStream(temp)) {
            p.store(out, "Capstan upload journal: do not edit while Capstan runs");
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public String toString() {
        return "UploadJournal[" + file + ", parts " + Arrays.toString(partStarts.toArray()) + ", multipart complete "
                + multipartComplete + ", sealed " + sealed + ", complete " + complete + "]";
    }
}
