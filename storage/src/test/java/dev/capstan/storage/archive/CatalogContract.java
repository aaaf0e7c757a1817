package dev.capstan.storage.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Page;
import org.springframework.jdbc.core.JdbcTemplate;

/** The catalog's behaviour, run against each database Capstan supports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CatalogContract {

    private static final Instant BASE = Instant.parse("2025-03-01T10:00:00.123456Z");
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private String url;
    private String username;
    private String password;
    private ConfigurableApplicationContext context;
    Catalog catalog;

    /** Opens the database; returns url, username and password. */
    abstract List<String> openDatabase() throws Exception;

    abstract void closeDatabase() throws Exception;

    @BeforeAll
    void openCatalog() throws Exception {
        List<String> database = openDatabase();
        url = database.get(0);
        username = database.get(1);
        password = database.get(2);
        startContext();
    }

    @AfterAll
    void closeCatalog() throws Exception {
        try {
            if (context != null) {
                context.close();
            }
        } finally {
            closeDatabase();
        }
    }

    @BeforeEach
    void emptyCatalog() {
        jdbc().update("delete from recording");
    }

    private void startContext() {
        context = CatalogTestApplication.start(url, username, password);
        catalog = context.getBean(Catalog.class);
    }

    private JdbcTemplate jdbc() {
        return context.getBean(JdbcTemplate.class);
    }

    private static NewRecording recording(String id, String room, Instant startedAt) {
        return new NewRecording(RecordingId.of(id), room, "https://meet.example.org/" + room, "session-" + id,
                RecordingMode.FILE, startedAt, null);
    }

    private static StoredMedia media(String id) {
        return new StoredMedia("s3://capstan-recordings", "recordings/" + id + "/recording.mp4", 123_456_789L, SHA,
                "recordings/" + id + "/thumbnail.jpg");
    }

    @Test
    void createsAndFinds() {
        Instant startedAt = Instant.parse("2025-03-01T10:00:00.123456789Z");
        RecordingEntry created = catalog.create(new NewRecording(RecordingId.of("rec-1"), "room1@conference.example",
                "https://meet.example.org/room1", "jicofo-42", RecordingMode.STREAM, startedAt,
                "{\"requestedBy\":\"alice\"}"));

        assertThat(created.id()).isEqualTo(RecordingId.of("rec-1"));
        assertThat(created.room()).contains("room1@conference.example");
        assertThat(created.meetingUrl()).isEqualTo("https://meet.example.org/room1");
        assertThat(created.sessionId()).contains("jicofo-42");
        assertThat(created.mode()).isEqualTo(RecordingMode.STREAM);
        assertThat(created.status()).isEqualTo(RecordingStatus.RECORDING);
        assertThat(created.statusDetail()).isEmpty();
        assertThat(created.startedAt()).isEqualTo(startedAt.truncatedTo(ChronoUnit.MICROS));
        assertThat(created.endedAt()).isEmpty();
        assertThat(created.duration()).isEmpty();
        assertThat(created.sizeBytes()).isEmpty();
        assertThat(created.location()).isEmpty();
        assertThat(created.mediaKey()).isEmpty();
        assertThat(created.participantsJson()).isEqualTo("[]");
        assertThat(created.appDataJson()).isEqualTo("{\"requestedBy\":\"alice\"}");
        assertThat(created.createdAt()).isEqualTo(created.updatedAt()).isBefore(Instant.now().plusSeconds(1));
        assertThat(catalog.find(RecordingId.of("rec-1"))).contains(created);

        RecordingEntry minimal = catalog.create(new NewRecording(RecordingId.of("rec-2"), null,
                "https://meet.example.org/x", null, RecordingMode.FILE, startedAt, null));
        assertThat(minimal.room()).isEmpty();
        assertThat(minimal.sessionId()).isEmpty();
        assertThat(minimal.appDataJson()).isEqualTo("{}");
        assertThat(catalog.find(RecordingId.of("rec-2"))).contains(minimal);

        assertThat(catalog.find(RecordingId.of("rec-3"))).isEmpty();
    }

    @Test
    void refusesADuplicateId() {
        RecordingEntry first = catalog.create(recording("dup", "a", BASE));
        assertThatThrownBy(() -> catalog.create(recording("dup", "b", BASE.plusSeconds(1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already");
        assertThat(catalog.find(RecordingId.of("dup"))).contains(first);
    }

    @Test
    void refusesValuesThatDoNotFit() {
        assertThatThrownBy(() -> recording("long", "r".repeat(1025), BASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("room");
        assertThatThrownBy(() -> new NewRecording(RecordingId.of("x"), "r", "u", null, RecordingMode.FILE, BASE,
                "[1]")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("object");
        catalog.create(recording("fits", "r".repeat(1024), BASE));
        assertThatThrownBy(() -> catalog.setParticipants(RecordingId.of("fits"), "{}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("array");
    }

    @Test
    void goesFromRecordingThroughUploadingToReady() {
        RecordingId id = RecordingId.of("life");
        RecordingEntry created = catalog.create(recording("life", "room", BASE));

        Instant endedAt = BASE.plus(Duration.ofMinutes(5)).plusNanos(999);
        RecordingEntry uploading = catalog.markUploading(id, endedAt, Duration.ofMillis(300_250), "spooled");
        assertThat(uploading.status()).isEqualTo(RecordingStatus.UPLOADING);
        assertThat(uploading.statusDetail()).contains("spooled");
        assertThat(uploading.endedAt()).contains(endedAt.truncatedTo(ChronoUnit.MICROS));
        assertThat(uploading.duration()).contains(Duration.ofMillis(300_250));
        assertThat(uploading.version()).isGreaterThan(created.version());
        assertThat(uploading.updatedAt()).isAfterOrEqualTo(created.updatedAt());
        assertThat(uploading.createdAt()).isEqualTo(created.createdAt());

        RecordingEntry progress = catalog.setStatusDetail(id, "uploading: 40 of 60 MB");
        assertThat(progress.statusDetail()).contains("uploading: 40 of 60 MB");
        assertThat(progress.status()).isEqualTo(RecordingStatus.UPLOADING);

        RecordingEntry ready = catalog.markReady(id, media("life"));
        assertThat(ready.status()).isEqualTo(RecordingStatus.READY);
        assertThat(ready.statusDetail()).isEmpty();
        assertThat(ready.location()).contains("s3://capstan-recordings");
        assertThat(ready.mediaKey()).contains("recordings/life/recording.mp4");
        assertThat(ready.thumbnailKey()).contains("recordings/life/thumbnail.jpg");
        assertThat(ready.sizeBytes()).contains(123_456_789L);
        assertThat(ready.checksum()).contains(SHA);
        assertThat(ready.endedAt()).isEqualTo(uploading.endedAt());
        assertThat(ready.version()).isGreaterThan(progress.version());
        assertThat(catalog.find(id)).contains(ready);
    }

    @Test
    void endsPartialOrFailed() {
        catalog.create(recording("partial", "room", BASE));
        catalog.markUploading(RecordingId.of("partial"), BASE.plusSeconds(60), null, null);
        RecordingEntry partial = catalog.markPartial(RecordingId.of("partial"),
                new StoredMedia("local", "partial.mp4", 42, null, null), "FFmpeg crashed; 2 s lost at 00:31",
                new MediaLoss(LossCause.ENCODER_DIED, Duration.ofMillis(2_040)));
        assertThat(partial.status()).isEqualTo(RecordingStatus.PARTIAL);
        assertThat(partial.loss()).contains(new MediaLoss(LossCause.ENCODER_DIED, Duration.ofMillis(2_040)));
        assertThat(partial.loss().orElseThrow().lostSeconds()).isEqualTo(2.04);
        assertThat(partial.statusDetail()).contains("FFmpeg crashed; 2 s lost at 00:31");
        assertThat(partial.mediaKey()).contains("partial.mp4");
        assertThat(partial.checksum()).isEmpty();
        assertThat(partial.thumbnailKey()).isEmpty();
        assertThat(partial.duration()).isEmpty();

        catalog.create(recording("failed-early", "room", BASE));
        RecordingEntry failedEarly = catalog.markFailed(RecordingId.of("failed-early"), "page did not load");
        assertThat(failedEarly.status()).isEqualTo(RecordingStatus.FAILED);
        assertThat(failedEarly.statusDetail()).contains("page did not load");
        assertThat(failedEarly.endedAt()).isEmpty();

        catalog.create(recording("failed-late", "room", BASE));
        catalog.markUploading(RecordingId.of("failed-late"), BASE.plusSeconds(1), Duration.ofSeconds(1), null);
        assertThat(catalog.markFailed(RecordingId.of("failed-late"), "disk full").status())
                .isEqualTo(RecordingStatus.FAILED);
    }

    @Test
    void keepsTheLostMediaItsCauseAndTheDeliveredFrameRate() {
        RecordingId ready = RecordingId.of("whole");
        catalog.create(recording("whole", "room", BASE));
        assertThat(catalog.find(ready).orElseThrow().deliveredFps()).isEmpty();
        RecordingEntry uploading = catalog.markUploading(ready, BASE.plusSeconds(60), Duration.ofMillis(60_021),
                29.97, null, null);
        assertThat(uploading.deliveredFps()).contains(29.97);
        RecordingEntry done = catalog.markReady(ready, media("whole"));
        assertThat(done.loss()).isEmpty();
        assertThat(done.deliveredFps()).contains(29.97);
        assertThat(catalog.find(ready)).contains(done);

        // Every cause, with the duration to the millisecond, reads back as stored.
        for (LossCause cause : LossCause.values()) {
            RecordingId id = RecordingId.of("lost-" + cause.ordinal());
            catalog.create(recording(id.value(), "room", BASE));
            MediaLoss loss = new MediaLoss(cause, Duration.ofMillis(8_499));
            // Known when capture ends, before the media is stored.
            assertThat(catalog.markUploading(id, BASE.plusSeconds(40), Duration.ofMillis(31_500), 12.5, loss,
                    "spooled").loss()).contains(loss);
            RecordingEntry partial = catalog.markPartial(id, media(id.value()), cause.wireName(), loss);
            assertThat(partial.loss()).contains(loss);
            assertThat(catalog.find(id).orElseThrow().loss()).contains(loss);
            assertThat(catalog.find(id).orElseThrow().deliveredFps()).contains(12.5);
        }
        // Stored by wire name, which never changes with the enum's names.
        assertThat(jdbc().queryForList("select loss_cause from recording where loss_cause is not null order by id",
                String.class)).containsExactlyElementsOf(LossCause.wireNames());

        RecordingId failed = RecordingId.of("all-lost");
        catalog.create(recording("all-lost", "room", BASE));
        catalog.markUploading(failed, BASE.plusSeconds(30), Duration.ofSeconds(30), null);
        RecordingEntry gone = catalog.markFailed(failed, "upload failed: disk gone",
                new MediaLoss(LossCause.STORE_FAILED, Duration.ofSeconds(30)));
        assertThat(gone.loss()).contains(new MediaLoss(LossCause.STORE_FAILED, Duration.ofSeconds(30)));
        assertThat(gone.deliveredFps()).isEmpty();

        assertThatThrownBy(() -> new MediaLoss(LossCause.SHORT_FILE, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        catalog.create(recording("bad-fps", "room", BASE));
        assertThatThrownBy(() -> catalog.markUploading(RecordingId.of("bad-fps"), BASE, null, Double.NaN, null,
                null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> catalog.markUploading(RecordingId.of("bad-fps"), BASE, null, -1.0, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        // The schema itself refuses what the catalog would never write: a cause outside the vocabulary, a cause
        // without seconds, negative seconds.
        for (String update : List.of("update recording set loss_cause = 'gremlins', lost_ms = 1 where id = 'bad-fps'",
                "update recording set loss_cause = 'short-file', lost_ms = null where id = 'bad-fps'",
                "update recording set loss_cause = 'short-file', lost_ms = -5 where id = 'bad-fps'",
                "update recording set delivered_fps = -1 where id = 'bad-fps'")) {
            assertThatExceptionOfType(DataIntegrityViolationException.class).as(update)
                    .isThrownBy(() -> jdbc().update(update));
        }
    }

    @Test
    void refusesIllegalTransitions() {
        RecordingId id = RecordingId.of("strict");
        catalog.create(recording("strict", "room", BASE));
        assertThatThrownBy(() -> catalog.markReady(id, media("strict")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("RECORDING")
                .hasMessageContaining("READY");
        assertThatThrownBy(() -> catalog.markPartial(id, media("strict"), "x",
                new MediaLoss(LossCause.SHORT_FILE, Duration.ZERO)))
                .isInstanceOf(IllegalStateException.class);
        catalog.markUploading(id, BASE.plusSeconds(10), Duration.ofSeconds(10), null);
        assertThatThrownBy(() -> catalog.markUploading(id, BASE.plusSeconds(11), null, null))
                .isInstanceOf(IllegalStateException.class);
        RecordingEntry ready = catalog.markReady(id, media("strict"));

        // READY is final: no status change, no detail; participants may still be corrected
        assertThatThrownBy(() -> catalog.markFailed(id, "late failure")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> catalog.markReady(id, media("strict"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> catalog.markUploading(id, BASE, null, null))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> catalog.setStatusDetail(id, "x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("final");
        assertThat(catalog.find(id)).contains(ready);
        assertThat(catalog.setParticipants(id, "[{\"name\":\"late\"}]").participantsJson())
                .isEqualTo("[{\"name\":\"late\"}]");

        // FAILED is final too
        catalog.create(recording("gone-wrong", "room", BASE));
        catalog.markFailed(RecordingId.of("gone-wrong"), "boom");
        assertThatThrownBy(() -> catalog.markUploading(RecordingId.of("gone-wrong"), BASE, null, null))
                .isInstanceOf(IllegalStateException.class);

        // an unknown id is refused
        assertThatThrownBy(() -> catalog.markFailed(RecordingId.of("nobody"), "x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not in the catalog");
        assertThatThrownBy(() -> catalog.setParticipants(RecordingId.of("nobody"), "[]"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(catalog.find(RecordingId.of("nobody"))).isEmpty();
    }

    @Test
    void cutsALongStatusDetailToFit() {
        catalog.create(recording("wordy", "room", BASE));
        String detail = catalog.markFailed(RecordingId.of("wordy"), "é".repeat(5000)).statusDetail().orElseThrow();
        assertThat(detail).hasSize(2048).startsWith("ééé").endsWith("…");
        assertThat(catalog.find(RecordingId.of("wordy")).orElseThrow().statusDetail()).contains(detail);
    }

    @Test
    void searchesWithFiltersAndPagesNewestFirst() {
        // 25 recordings in three rooms (and one without), a minute apart; r10 and r11 start at the same instant
        List<RecordingEntry> all = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String room = i == 24 ? null : "room-" + (i % 3);
            Instant startedAt = BASE.plus(Duration.ofMinutes(i == 11 ? 10 : i));
            String id = String.format("r%02d", i);
            catalog.create(recording(id, room, startedAt));
            if (i % 4 == 0) {
                catalog.markUploading(RecordingId.of(id), startedAt.plusSeconds(30), Duration.ofSeconds(30), null);
                catalog.markReady(RecordingId.of(id), media(id));
            } else if (i % 4 == 1) {
                catalog.markFailed(RecordingId.of(id), "failed");
            }
            all.add(catalog.find(RecordingId.of(id)).orElseThrow());
        }
        List<RecordingEntry> newestFirst = all.stream()
                .sorted(Comparator.comparing(RecordingEntry::startedAt).thenComparing(RecordingEntry::id).reversed())
                .toList();
        assertThat(newestFirst.get(newestFirst.size() - 1).id().value()).isEqualTo("r00");

        // pages of 10: 10, 10, 5, then nothing
        List<RecordingEntry> paged = new ArrayList<>();
        for (int page = 0; page < 4; page++) {
            Page<RecordingEntry> result = catalog.search(CatalogQuery.all().withPage(page, 10));
            assertThat(result.getTotalElements()).isEqualTo(25);
            assertThat(result.getTotalPages()).isEqualTo(3);
            assertThat(result.getNumber()).isEqualTo(page);
            assertThat(result.getContent()).hasSize(page < 2 ? 10 : page == 2 ? 5 : 0);
            paged.addAll(result.getContent());
        }
        assertThat(paged).containsExactlyElementsOf(newestFirst);
        // the tie on started_at is broken by id, descending
        assertThat(paged.stream().map(e -> e.id().value()).toList()).containsSubsequence("r11", "r10");

        assertSearch(CatalogQuery.all().withRoom("room-1").withPage(0, 100), newestFirst,
                e -> e.room().equals(Optional.of("room-1")));
        assertSearch(CatalogQuery.all().withRoom("nowhere"), newestFirst, e -> false);
        assertSearch(CatalogQuery.all().withStatus(RecordingStatus.READY).withPage(0, 100), newestFirst,
                e -> e.status() == RecordingStatus.READY);
        assertSearch(CatalogQuery.all().withStatus(RecordingStatus.PARTIAL), newestFirst, e -> false);

        // [from, to): from inclusive, to exclusive
        Instant from = BASE.plus(Duration.ofMinutes(5));
        Instant to = BASE.plus(Duration.ofMinutes(15));
        assertSearch(CatalogQuery.all().withStarted(from, to).withPage(0, 100), newestFirst,
                e -> !e.startedAt().isBefore(from) && e.startedAt().isBefore(to));
        assertThat(catalog.search(CatalogQuery.all().withStarted(from, to).withPage(0, 100)).getContent())
                .extracting(e -> e.id().value()).contains("r05").doesNotContain("r15").hasSize(10);
        assertSearch(CatalogQuery.all().withStarted(from, null).withPage(0, 100), newestFirst,
                e -> !e.startedAt().isBefore(from));
        assertSearch(CatalogQuery.all().withStarted(null, to).withPage(0, 100), newestFirst,
                e -> e.startedAt().isBefore(to));
        assertSearch(CatalogQuery.all().withStarted(from, from), newestFirst, e -> false);

        // everything at once, across pages
        CatalogQuery combined = CatalogQuery.all().withRoom("room-0").withStatus(RecordingStatus.RECORDING)
                .withStarted(BASE, BASE.plus(Duration.ofMinutes(16)));
        Predicate<RecordingEntry> matches = e -> e.room().equals(Optional.of("room-0"))
                && e.status() == RecordingStatus.RECORDING && e.startedAt().isBefore(BASE.plus(Duration.ofMinutes(16)));
        List<RecordingEntry> expected = newestFirst.stream().filter(matches).toList();
        assertThat(expected).extracting(e -> e.id().value()).containsExactly("r15", "r06", "r03");
        Page<RecordingEntry> first = catalog.search(combined.withPage(0, 2));
        Page<RecordingEntry> second = catalog.search(combined.withPage(1, 2));
        assertThat(first.getTotalElements()).isEqualTo(expected.size());
        assertThat(first.getContent()).containsExactlyElementsOf(expected.subList(0, 2));
        assertThat(second.getContent()).containsExactlyElementsOf(expected.subList(2, Math.min(4, expected.size())));
    }

    private void assertSearch(CatalogQuery query, List<RecordingEntry> newestFirst, Predicate<RecordingEntry> filter) {
        List<RecordingEntry> expected = newestFirst.stream().filter(filter).toList();
        Page<RecordingEntry> result = catalog.search(query);
        assertThat(result.getContent()).as(query.toString())
                .containsExactlyElementsOf(expected.subList(0, Math.min(expected.size(), query.size())));
        assertThat(result.getTotalElements()).isEqualTo(expected.size());
    }

    @Test
    void refusesBadQueries() {
        assertThatThrownBy(() -> CatalogQuery.all().withPage(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CatalogQuery.all().withPage(0, 101)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CatalogQuery.all().withPage(-1, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CatalogQuery.all().withStarted(BASE, BASE.minusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deletes() {
        RecordingId id = RecordingId.of("doomed");
        catalog.create(recording("doomed", "room", BASE));
        catalog.create(recording("kept", "room", BASE));
        assertThat(catalog.delete(id)).isTrue();
        assertThat(catalog.find(id)).isEmpty();
        assertThat(catalog.delete(id)).isFalse();
        assertThatThrownBy(() -> catalog.markUploading(id, BASE, null, null))
                .isInstanceOf(IllegalStateException.class);
        assertThat(catalog.search(CatalogQuery.all()).getContent()).extracting(e -> e.id().value())
                .containsExactly("kept");
        // the id may be used again
        assertThat(catalog.create(recording("doomed", "other", BASE)).room()).contains("other");
    }

    @Test
    void findsRecordingsStartedBeforeACutoffOldestFirst() {
        for (int i = 0; i < 10; i++) {
            catalog.create(recording("old-" + i, "room", BASE.plus(Duration.ofHours(i))));
        }
        Instant cutoff = BASE.plus(Duration.ofHours(6));
        assertThat(catalog.startedBefore(cutoff, 100)).extracting(e -> e.id().value())
                .containsExactly("old-0", "old-1", "old-2", "old-3", "old-4", "old-5");
        assertThat(catalog.startedBefore(cutoff, 2)).extracting(e -> e.id().value())
                .containsExactly("old-0", "old-1");
        assertThat(catalog.startedBefore(BASE, 100)).isEmpty();
        assertThatThrownBy(() -> catalog.startedBefore(cutoff, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void listsRecordingsInStatuses() {
        catalog.create(recording("s-rec", "room", BASE.plusSeconds(3)));
        catalog.create(recording("s-up", "room", BASE.plusSeconds(2)));
        catalog.markUploading(RecordingId.of("s-up"), BASE.plusSeconds(4), null, "spooled");
        catalog.create(recording("s-failed", "room", BASE.plusSeconds(1)));
        catalog.markFailed(RecordingId.of("s-failed"), "x");

        assertThat(catalog.inStatus(Set.of(RecordingStatus.RECORDING, RecordingStatus.UPLOADING)))
                .extracting(e -> e.id().value()).containsExactly("s-up", "s-rec");
        assertThat(catalog.inStatus(Set.of(RecordingStatus.FAILED))).extracting(e -> e.id().value())
                .containsExactly("s-failed");
        assertThat(catalog.inStatus(Set.of(RecordingStatus.READY))).isEmpty();
        assertThat(catalog.inStatus(Set.of())).isEmpty();
    }

    @Test
    void keepsJsonExactly() {
        String participants = "[{\"name\":\"Zoë Åström\",\"id\":\"a\"},{\"name\":\"王小明\"},"
                + "{\"name\":\"👩🏽‍💻 Ada\",\"note\":\"quote \\\" backslash \\\\ tab \\t\"},{\"name\":\"e\u0301\"}]";
        StringBuilder big = new StringBuilder("{\"blob\":\"");
        while (big.length() < 200_000) {
            big.append("données-データ-").append(big.length()).append(' ');
        }
        String appData = big.append("\"}").toString();

        catalog.create(new NewRecording(RecordingId.of("json"), "sala-ñ", "https://meet.example.org/sala-ñ", null,
                RecordingMode.FILE, BASE, appData));
        catalog.setParticipants(RecordingId.of("json"), participants);

        RecordingEntry found = catalog.find(RecordingId.of("json")).orElseThrow();
        assertThat(found.participantsJson()).isEqualTo(participants);
        assertThat(found.appDataJson()).isEqualTo(appData).hasSizeGreaterThan(200_000);
        assertThat(found.room()).contains("sala-ñ");
        assertThat(jdbc().queryForObject("select length(app_data) from recording where id = 'json'", Long.class))
                .isEqualTo(appData.length());
    }

    @Test
    void filesTheSpeakerTracksManifestExactlyInAnyStatus() {
        RecordingId id = RecordingId.of("tracks");
        catalog.create(recording("tracks", "room", BASE));
        assertThat(catalog.find(id).orElseThrow().tracksJson()).as("none asked for").isEmpty();
        StringBuilder speakers = new StringBuilder();
        for (int i = 1; i <= 400; i++) {
            speakers.append(i == 1 ? "" : ",").append("{\"id\":\"s").append(i).append("\",\"displayName\":\"Zoë 王 ")
                    .append(i).append("\",\"parts\":[{\"number\":1,\"file\":\"tracks/s").append(i)
                    .append("-1.ogg\",\"offsetMs\":").append(i * 1000).append("}]}");
        }
        String manifest = "{\"capture\":\"captured\",\"detail\":\"\",\"speakers\":[" + speakers + "],\"timeline\":[]}";
        assertThat(manifest.length()).as("longer than any bounded column").isGreaterThan(40_000);

        assertThat(catalog.setTracks(id, manifest).tracksJson()).contains(manifest);
        catalog.markFailed(id, "encoder died");
        String again = manifest.replace("\"detail\":\"\"", "\"detail\":\"salvaged\"");
        catalog.setTracks(id, again);

        assertThat(catalog.find(id).orElseThrow().tracksJson()).contains(again);
        assertThat(jdbc().queryForObject("select length(tracks) from recording where id = 'tracks'", Long.class))
                .isEqualTo((long) again.length());
        assertThatThrownBy(() -> catalog.setTracks(id, "[]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tracksJson must be a JSON object");
    }

    @Test
    void keepsAPausedRecordingsPausesThroughItsEnd() {
        RecordingId id = RecordingId.of("paused");
        catalog.create(recording("paused", "room", BASE));
        assertThat(catalog.find(id).orElseThrow().pausesJson()).as("never paused").isEmpty();
        String open = "[{\"pausedAt\":\"2026-12-07T14:00:07.52Z\",\"resumedAt\":null,\"positionSeconds\":7.48,"
                + "\"durationSeconds\":null}]";
        assertThat(catalog.setPauses(id, open).pausesJson()).contains(open);
        String closed = open.replace("\"resumedAt\":null", "\"resumedAt\":\"2026-12-07T14:00:12.645Z\"")
                .replace("\"durationSeconds\":null", "\"durationSeconds\":5.125");
        catalog.setPauses(id, closed);
        catalog.markFailed(id, "encoder died");

        assertThat(catalog.find(id).orElseThrow().pausesJson()).contains(closed);
        assertThatThrownBy(() -> catalog.setPauses(id, "{}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pausesJson must be a JSON array");
    }

    @Test
    void serializesConcurrentChangesOfOneRecording() throws Exception {
        RecordingId id = RecordingId.of("busy");
        catalog.create(recording("busy", "room", BASE));
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        if (thread % 2 == 0) {
                            catalog.setParticipants(id, "[" + thread + "," + i + "]");
                        } else {
                            catalog.setStatusDetail(id, thread + "/" + i);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(catalog.find(id).orElseThrow().version()).isEqualTo(40);
    }

    @Test
    void survivesARestart() {
        catalog.create(recording("before-1", "room", BASE));
        catalog.markUploading(RecordingId.of("before-1"), BASE.plusSeconds(9), Duration.ofSeconds(9), "spooled");
        catalog.create(recording("before-2", "room", BASE.plusSeconds(1)));
        catalog.setParticipants(RecordingId.of("before-2"), "[\"ü\"]");
        List<RecordingEntry> before = catalog.search(CatalogQuery.all()).getContent();
        Map<String, Object> migration = jdbc().queryForMap(
                "select count(*) as migrations, max(\"installed_on\") as installed from \"flyway_schema_history\"");

        context.close();
        context = null;
        startContext();

        assertThat(catalog.search(CatalogQuery.all()).getContent()).containsExactlyElementsOf(before);
        assertThat(jdbc().queryForMap(
                "select count(*) as migrations, max(\"installed_on\") as installed from \"flyway_schema_history\""))
                .isEqualTo(migration);
        assertThat(jdbc().queryForObject(
                "select count(*) from \"flyway_schema_history\" where \"version\" = '1' and \"success\" = true",
                Integer.class)).isEqualTo(1);
        assertThat(catalog.inStatus(Set.of(RecordingStatus.UPLOADING))).extracting(e -> e.id().value())
                .containsExactly("before-1");
        assertThat(catalog.markReady(RecordingId.of("before-1"), media("before-1")).status())
                .isEqualTo(RecordingStatus.READY);
    }

    // ---- Parts: a session that moved to another slot after a fault ----------------------------------------

    private static NewRecording part(String id, String parent, int number, Instant startedAt) {
        return recording(id, "room", startedAt).asPart(new PartOf(RecordingId.of(parent), number));
    }

    @Test
    void filesPartsInOrderAndListsTheSessionOnce() {
        RecordingEntry top = catalog.create(recording("session", "room", BASE));
        catalog.create(recording("other", "room", BASE.plusSeconds(5)));
        // Filed out of order: the catalog orders them by part number.
        RecordingEntry third = catalog.create(part("session-p3", "session", 3, BASE.plusSeconds(90)));
        RecordingEntry second = catalog.create(part("session-p2", "session", 2, BASE.plusSeconds(30)));

        assertThat(top.parent()).isEmpty();
        assertThat(top.part()).isEqualTo(1);
        assertThat(second.parent()).contains(RecordingId.of("session"));
        assertThat(second.part()).isEqualTo(2);
        assertThat(second.top()).isEqualTo(RecordingId.of("session"));
        assertThat(second.status()).isEqualTo(RecordingStatus.RECORDING);

        assertThat(catalog.parts(RecordingId.of("session"))).extracting(e -> e.id().value(), RecordingEntry::part)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("session", 1),
                        org.assertj.core.groups.Tuple.tuple("session-p2", 2),
                        org.assertj.core.groups.Tuple.tuple("session-p3", 3));
        assertThat(catalog.parts(RecordingId.of("session-p3"))).as("the same session, from a part")
                .extracting(e -> e.id().value()).containsExactly("session", "session-p2", "session-p3");
        assertThat(catalog.parts(RecordingId.of("other"))).extracting(e -> e.id().value()).containsExactly("other");
        assertThat(catalog.parts(RecordingId.of("nobody"))).isEmpty();
        assertThat(catalog.find(RecordingId.of("session-p3"))).contains(third);

        // Searches list sessions, not parts, whatever the filters.
        assertThat(catalog.search(CatalogQuery.all()).getContent()).extracting(e -> e.id().value())
                .containsExactly("other", "session");
        assertThat(catalog.search(CatalogQuery.all()).getTotalElements()).isEqualTo(2);
        assertThat(catalog.search(CatalogQuery.all().withStarted(BASE.plusSeconds(1), null)).getContent())
                .extracting(e -> e.id().value()).containsExactly("other");
        assertThat(catalog.search(CatalogQuery.all().withRoom("room").withStatus(RecordingStatus.RECORDING))
                .getTotalElements()).isEqualTo(2);
        // Parts are ordinary recordings otherwise: they go through their own life and are found for resuming.
        assertThat(catalog.inStatus(Set.of(RecordingStatus.RECORDING))).extracting(e -> e.id().value())
                .contains("session-p2", "session-p3");
    }

    @Test
    void refusesPartsThatDoNotFit() {
        catalog.create(recording("base", "room", BASE));
        catalog.create(part("base-p2", "base", 2, BASE.plusSeconds(10)));

        assertThatThrownBy(() -> catalog.create(part("again-p2", "base", 2, BASE.plusSeconds(20))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("part 2 of recording base is already");
        assertThatThrownBy(() -> catalog.create(part("orphan", "missing", 2, BASE)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("missing is not in the catalog");
        assertThatThrownBy(() -> catalog.create(part("nested", "base-p2", 2, BASE)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("top-level");
        assertThatThrownBy(() -> new PartOf(RecordingId.of("base"), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 or more");
        assertThatThrownBy(() -> part("base", "base", 2, BASE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part of itself");
        assertThat(catalog.find(RecordingId.of("again-p2"))).isEmpty();
        assertThat(catalog.find(RecordingId.of("orphan"))).isEmpty();
        assertThat(catalog.parts(RecordingId.of("base"))).hasSize(2);
    }

    @Test
    void deletingARecordingDeletesItsPartsAndRetentionSeesOnlySessions() {
        catalog.create(recording("old", "room", BASE));
        catalog.create(part("old-p2", "old", 2, BASE.plusSeconds(60)));
        catalog.create(recording("young", "room", BASE.plus(Duration.ofHours(2))));
        catalog.create(part("young-p2", "young", 2, BASE.plus(Duration.ofHours(2)).plusSeconds(60)));

        // A part started before the cutoff goes when its session goes, not on its own.
        assertThat(catalog.startedBefore(BASE.plus(Duration.ofHours(3)), 100)).extracting(e -> e.id().value())
                .containsExactly("old", "young");

        assertThat(catalog.delete(RecordingId.of("old"))).isTrue();
        assertThat(catalog.find(RecordingId.of("old"))).isEmpty();
        assertThat(catalog.find(RecordingId.of("old-p2"))).isEmpty();
        assertThat(catalog.find(RecordingId.of("young-p2"))).isPresent();
        // A part alone can be deleted too; its session stays.
        assertThat(catalog.delete(RecordingId.of("young-p2"))).isTrue();
        assertThat(catalog.parts(RecordingId.of("young"))).extracting(e -> e.id().value()).containsExactly("young");
    }

    @Test
    void onlyOneOfSeveralSchedulersTakesOverARecording() throws Exception {
        RecordingId id = RecordingId.of("orphaned");
        RecordingEntry seen = catalog.create(recording("orphaned", "room", BASE));
        Instant endedAt = BASE.plusSeconds(42);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Optional<RecordingEntry>> results = new ArrayList<>();
        try {
            List<Future<Optional<RecordingEntry>>> tries = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                tries.add(threads.submit(() -> catalog.takeOver(id, seen.version(), endedAt, "node n" + thread + " vanished")));
            }
            for (Future<Optional<RecordingEntry>> attempt : tries) {
                results.add(attempt.get());
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(results.stream().filter(Optional::isPresent)).as("winners").hasSize(1);
        RecordingEntry taken = results.stream().flatMap(Optional::stream).findFirst().orElseThrow();
        assertThat(taken.status()).isEqualTo(RecordingStatus.UPLOADING);
        assertThat(taken.endedAt()).contains(endedAt);
        String reason = taken.salvaging().orElseThrow();
        assertThat(reason).matches("node n[0-3] vanished");
        assertThat(taken.statusDetail()).contains("salvaging: " + reason);
        assertThat(catalog.find(id)).contains(taken);

        // Taken over again from what the winner wrote (its salvager vanished too): an UPLOADING one stays so.
        RecordingEntry again = catalog.takeOver(id, taken.version(), endedAt.plusSeconds(1), "salvaged again")
                .orElseThrow();
        assertThat(again.status()).isEqualTo(RecordingStatus.UPLOADING);
        assertThat(again.endedAt()).isEqualTo(taken.endedAt());
        assertThat(again.salvaging()).contains("salvaged again");
        assertThat(catalog.takeOver(id, taken.version(), endedAt, "stale")).isEmpty();

        RecordingEntry measured = catalog.setEnded(id, endedAt.minusSeconds(2), Duration.ofMillis(40_040));
        assertThat(measured.duration()).contains(Duration.ofMillis(40_040));
        assertThat(measured.endedAt()).contains(endedAt.minusSeconds(2));
        RecordingEntry partial = catalog.markPartial(id, media("orphaned"), "node vanished",
                new MediaLoss(LossCause.NODE_LOST, Duration.ofSeconds(3)));
        assertThat(partial.salvaging()).as("settled: no longer salvaged").isEmpty();
        assertThat(catalog.takeOver(id, partial.version(), endedAt, "too late")).as("a final recording").isEmpty();
        assertThatThrownBy(() -> catalog.setEnded(id, endedAt, null)).isInstanceOf(IllegalStateException.class);
        assertThat(catalog.takeOver(RecordingId.of("nobody"), 0, endedAt, "x")).isEmpty();
    }

    @Test
    void aSalvageClaimShowsProgressEndsWhenGivenUpOrSettledAndIsOnlyEverUploading() {
        RecordingId id = RecordingId.of("claimed");
        RecordingEntry seen = catalog.create(recording("claimed", "room", BASE));
        assertThat(seen.salvaging()).isEmpty();
        assertThatThrownBy(() -> catalog.salvageGoesOn(id)).as("nobody salvages it")
                .isInstanceOf(IllegalStateException.class);

        RecordingEntry taken = catalog.takeOver(id, seen.version(), BASE.plusSeconds(9), "node n1 vanished")
                .orElseThrow();
        RecordingEntry goesOn = catalog.salvageGoesOn(id);
        assertThat(goesOn.version()).as("progress shows as a new version").isGreaterThan(taken.version());
        assertThat(goesOn.salvaging()).contains("node n1 vanished");
        assertThat(goesOn.statusDetail()).isEqualTo(taken.statusDetail());

        RecordingEntry givenUp = catalog.giveUpSalvage(id, "salvage failed, to be tried again: store down");
        assertThat(givenUp.salvaging()).isEmpty();
        assertThat(givenUp.status()).isEqualTo(RecordingStatus.UPLOADING);
        assertThat(givenUp.statusDetail()).contains("salvage failed, to be tried again: store down");
        assertThatThrownBy(() -> catalog.salvageGoesOn(id)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> catalog.giveUpSalvage(id, "twice")).isInstanceOf(IllegalStateException.class);

        RecordingEntry retaken = catalog.takeOver(id, givenUp.version(), BASE, "node n1 vanished").orElseThrow();
        assertThat(catalog.markFailed(id, "nothing reached the store").salvaging()).isEmpty();
        assertThatThrownBy(() -> catalog.salvageGoesOn(id)).isInstanceOf(IllegalStateException.class);
        assertThat(retaken.salvaging()).isPresent();

        // The schema keeps the claim on UPLOADING recordings, whoever writes the row.
        catalog.create(recording("running", "room", BASE));
        assertThatExceptionOfType(DataIntegrityViolationException.class).isThrownBy(() -> jdbc().update(
                "update recording set salvage_reason = 'x' where id = 'running'"));
    }

    @Test
    void aSalvageRunningWhenTheClaimBecameAColumnKeepsItsClaim() {
        // A catalog as the version before V7 left it, in a schema of its own: the claim was a prefix of the detail.
        Flyway before = Flyway.configure().dataSource(url, username, password).schemas("upgrade").target("6").load();
        before.migrate();
        JdbcTemplate jdbc = new JdbcTemplate(before.getConfiguration().getDataSource());
        try {
            String insert = "insert into \"upgrade\".recording (id, meeting_url, mode, status, status_detail, started_at,"
                    + " created_at, updated_at) values (?, 'https://meet.example.org/r', 'FILE', ?, ?, current_timestamp,"
                    + " current_timestamp, current_timestamp)";
            jdbc.update(insert, "salvaged", "UPLOADING", "salvaging: node n1 vanished; continued in part 2");
            jdbc.update(insert, "uploading", "UPLOADING", "uploading: 3 of 5 MB");
            jdbc.update(insert, "settled", "FAILED", "salvaging: cannot be, it is final");

            Flyway.configure().dataSource(url, username, password).schemas("upgrade").load().migrate();

            String reason = "select salvage_reason from \"upgrade\".recording where id = ?";
            assertThat(jdbc.queryForObject(reason, String.class, "salvaged"))
                    .isEqualTo("node n1 vanished; continued in part 2");
            assertThat(jdbc.queryForObject(reason, String.class, "uploading")).isNull();
            assertThat(jdbc.queryForObject(reason, String.class, "settled")).as("a final one is not salvaged").isNull();
        } finally {
            jdbc.execute("drop schema \"upgrade\" cascade");
        }
    }
}
