package dev.capstan.storage.archive;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A row of the {@code recording} table. Only {@link Catalog} changes it, and it hands out {@link RecordingEntry}. */
@Entity
@Table(name = "recording")
class RecordingRow {

    @Id
    @Column(name = "id", length = 64)
    private String id;

    @Column(name = "room", length = Limits.ROOM)
    private String room;

    @Column(name = "meeting_url", length = Limits.MEETING_URL, nullable = false)
    private String meetingUrl;

    @Column(name = "session_id", length = Limits.SESSION_ID)
    private String sessionId;

    // VARCHAR explicitly: Hibernate would otherwise expect H2's native ENUM type when validating.
    @Enumerated(EnumType.STRING)
    @JdbcTypeCode(SqlTypes.VARCHAR)
    @Column(name = "mode", length = 16, nullable = false)
    private RecordingMode mode;

    @Enumerated(EnumType.STRING)
    @JdbcTypeCode(SqlTypes.VARCHAR)
    @Column(name = "status", length = 16, nullable = false)
    private RecordingStatus status;

    @Column(name = "status_detail", length = Limits.STATUS_DETAIL)
    private String statusDetail;

    @Column(name = "started_at", nullable = false)
    private Instant startedAt;

    @Column(name = "ended_at")
    private Instant endedAt;

    @Column(name = "duration_ms")
    private Long durationMs;

    @Column(name = "size_bytes")
    private Long sizeBytes;

    @Column(name = "checksum", length = Limits.CHECKSUM)
    private String checksum;

    @Column(name = "location", length = Limits.LOCATION)
    private String location;

    @Column(name = "media_key", length = Limits.KEY)
    private String mediaKey;

    @Column(name = "thumbnail_key", length = Limits.KEY)
    private String thumbnailKey;

    @Column(name = "participants", nullable = false)
    private String participants;

    @Column(name = "app_data", nullable = false)
    private String appData;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Column(name = "parent_id", length = 64)
    private String parentId;

    @Column(name = "part", nullable = false)
    private int part;

    @Column(name = "lost_ms")
    private Long lostMs;

    /** {@link LossCause#wireName()}: the stored name never changes with the enum's. */
    @Column(name = "loss_cause", length = 32)
    private String lossCause;

    @Column(name = "delivered_fps")
    private Double deliveredFps;

    @Column(name = "salvage_reason", length = Limits.STATUS_DETAIL)
    private String salvageReason;

    @Column(name = "tracks")
    private String tracks;

    @Column(name = "pauses")
    private String pauses;

    @Version
    @Column(name = "version", nullable = false)
    private Long version;

    protected RecordingRow() {
        // for JPA
    }

    RecordingRow(NewRecording recording, Instant startedAt, Instant now) {
        this.id = recording.id().value();
        this.room = recording.room();
        this.meetingUrl = recording.meetingUrl();
        this.sessionId = recording.sessionId();
        this.mode = recording.mode();
        this.status = RecordingStatus.RECORDING;
        this.startedAt = startedAt;
        this.participants = "[]";
        this.appData = recording.appDataJson();
        this.createdAt = now;
        this.updatedAt = now;
        this.parentId = recording.partOf().map(of -> of.parent().value()).orElse(null);
        this.part = recording.partOf().map(PartOf::number).orElse(1);
    }

    long version() {
        return version == null ? 0 : version;
    }

    Instant endedAt() {
        return endedAt;
    }

    RecordingStatus status() {
        return status;
    }

    void status(RecordingStatus status, String detail) {
        this.status = status;
        this.statusDetail = detail;
    }

    void statusDetail(String detail) {
        this.statusDetail = detail;
    }

    String salvageReason() {
        return salvageReason;
    }

    /** Claims the recording for a salvage with this reason, or ends the claim (null). */
    void salvage(String reason) {
        this.salvageReason = reason;
    }

    void ended(Instant endedAt, Duration duration) {
        this.endedAt = endedAt;
        this.durationMs = duration == null ? null : duration.toMillis();
    }

    void deliveredFps(Double fps) {
        this.deliveredFps = fps;
    }

    void lost(MediaLoss loss) {
        this.lostMs = loss == null ? null : loss.lost().toMillis();
        this.lossCause = loss == null ? null : loss.cause().wireName();
    }

    void stored(StoredMedia media) {
        this.location = media.location();
        this.mediaKey = media.mediaKey();
        this.sizeBytes = media.sizeBytes();
        this.checksum = media.checksum();
        this.thumbnailKey = media.thumbnailKey();
    }

    void participants(String json) {
        this.participants = json;
    }

    void tracks(String json) {
        this.tracks = json;
    }

    void pauses(String json) {
        this.pauses = json;
    }

    void touched(Instant now) {
        this.updatedAt = now;
    }

    private Optional<MediaLoss> loss() {
        if (lossCause == null || lostMs == null) {
            return Optional.empty();
        }
        LossCause cause = LossCause.ofWireName(lossCause).orElseThrow(() -> new IllegalStateException(
                "recording " + id + " has an unknown loss cause '" + lossCause + "'"));
        return Optional.of(new MediaLoss(cause, Duration.ofMillis(lostMs)));
    }

    RecordingEntry toEntry() {
        return new RecordingEntry(
                RecordingId.of(id),
                Optional.ofNullable(room),
                meetingUrl,
                Optional.ofNullable(sessionId),
                mode,
                status,
                Optional.ofNullable(statusDetail),
                startedAt,
                Optional.ofNullable(endedAt),
                Optional.ofNullable(durationMs).map(Duration::ofMillis),
                Optional.ofNullable(sizeBytes),
                Optional.ofNullable(checksum),
                Optional.ofNullable(location),
                Optional.ofNullable(mediaKey),
                Optional.ofNullable(thumbnailKey),
                participants,
                appData,
                createdAt,
                updatedAt,
                version == null ? 0 : version,
                Optional.ofNullable(parentId).map(RecordingId::of),
                part,
                loss(),
                Optional.ofNullable(deliveredFps),
                Optional.ofNullable(salvageReason),
                Optional.ofNullable(tracks),
                Optional.ofNullable(pauses));
    }
}
