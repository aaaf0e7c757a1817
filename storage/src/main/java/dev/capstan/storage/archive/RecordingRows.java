package dev.capstan.storage.archive;

import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.JpaSpecificationExecutor;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

/** The {@code recording} table, for {@link Catalog} only. */
interface RecordingRows extends JpaRepository<RecordingRow, String>, JpaSpecificationExecutor<RecordingRow> {

    /** Reads a row for changing it: changes of the same recording wait for each other instead of failing. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    Optional<RecordingRow> findForUpdateById(String id);

    /** Top-level recordings only: parts go with theirs. */
    List<RecordingRow> findByParentIdIsNullAndStartedAtBefore(Instant cutoff, Pageable page);

    /** A top-level recording and its parts, in order. */
    @Query("select r from RecordingRow r where r.id = :id or r.parentId = :id order by r.part asc")
    List<RecordingRow> family(@Param("id") String id);

    List<RecordingRow> findByStatusInOrderByStartedAtAscIdAsc(Collection<RecordingStatus> statuses);

    @Modifying(flushAutomatically = true, clearAutomatically = true)
    @Query("delete from RecordingRow r where r.id = :id")
    int deleteRow(@Param("id") String id);
}
